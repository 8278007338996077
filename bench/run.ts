// Benchmarks of fcv: `npm run bench -- <name> [options]` (node bench/run.ts <name>) runs one;
// `npm run bench [-- --quick] [--check]` with no name runs them all (suite.ts) and writes
// bench/SUMMARY.md. The benchmarks are in benchmarks.ts; figures go to bench/results.json under the
// benchmark's name, other keys are kept.

import { BENCHMARKS } from './benchmarks.ts'
import { StepError } from './common.ts'
import { runSuite, SUITE_USAGE } from './suite.ts'

function usage(): string {
  const names = Object.entries(BENCHMARKS).map(([n, b]) => `  ${n.padEnd(14)} ${b.description}`)
  return [
    'usage: npm run bench -- <benchmark> [options]   (--help after a name for its options)',
    '',
    'benchmarks:',
    ...names,
    '',
    SUITE_USAGE,
  ].join('\n')
}

const [name, ...rest] = process.argv.slice(2)
if (name === '--help' || name === '-h') {
  process.stdout.write(usage() + '\n')
  process.exit(0)
}
// No name (options only): the whole suite.
const suite = name === undefined || name.startsWith('-')
const bench = suite ? undefined : BENCHMARKS[name]
if (!suite && !bench) {
  process.stderr.write(
    `unknown benchmark "${name}"; available: ${Object.keys(BENCHMARKS).join(', ')}\n\n${usage()}\n`
  )
  process.exit(2)
}
const label = suite ? 'suite' : name
try {
  process.exitCode = bench ? await bench.run(rest) : await runSuite(process.argv.slice(2))
} catch (e) {
  const err = e as Error
  process.stderr.write(`bench ${label}: ${err.message}\n`)
  if (!(err instanceof StepError) && err.stack) process.stderr.write(`${err.stack}\n`)
  process.exitCode = 1
}
