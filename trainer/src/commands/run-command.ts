/**
 * Runs one CLI command: known problems (bad params, bad input) print one clear message without a
 * stack trace and exit 1; anything unexpected also prints its stack, because that is a bug.
 */
export async function runCommand(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body()
  } catch (e) {
    const err = e as Error
    const expected = err instanceof Error && EXPECTED_ERRORS.has(err.name)
    process.stderr.write(`fcv ${name}: error: ${err.message}\n`)
    if (!expected && err.stack) process.stderr.write(`${err.stack}\n`)
    process.exitCode = 1
  }
}

/** Error classes whose message is the whole story for the user. */
const EXPECTED_ERRORS = new Set([
  'ParamsError',
  'IngestError',
  'MoneyError',
  'RangeError',
  'InputError',
  'MlflowError',
  'MlflowConfigError',
  'RegisterInputError',
  'ModelFileError',
  'TokensCommandError',
  'ReleaseError',
  'ExportError',
  'ScoreError',
])
