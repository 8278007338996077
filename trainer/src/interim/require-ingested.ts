import { stat } from 'node:fs/promises'

/** A command's own error class, so its callers and the CLI see the error they expect. */
type ErrorClass = new (message: string, options?: ErrorOptions) => Error

/**
 * Resolves when the ingested transactions file `path` exists; otherwise throws `Failure` naming the
 * file and the command that writes it (other stat errors pass through as they are). `fcv score` and
 * `fcv export-histories` read that file and check it the same way before anything else.
 */
export async function requireIngested(path: string, Failure: ErrorClass): Promise<void> {
  try {
    await stat(path)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
    throw new Failure(
      `${path}: no ingested transactions; run \`fcv ingest\` (or \`fcv pipeline\`) first`,
      { cause: e }
    )
  }
}
