// Benchmarks of fcv: `npm run bench -- <name> [options]` (node bench/run.ts <name>).
// Each benchmark is a function of its own arguments that returns an exit code; add new ones to
// BENCHMARKS. Figures go to bench/results.json under the benchmark's name, other keys are kept.

import { featuresBenchmark } from './features/index.ts'
import { trainBenchmark } from './train/index.ts'
import { seedsBenchmark } from './seeds/index.ts'
import { controlPlaneBenchmark } from './control-plane/index.ts'
import { edgeBenchmark } from './edge/index.ts'
import { widgetBenchmark } from './widget/index.ts'
import { telemetryBenchmark } from './telemetry/index.ts'
import { StepError } from './common.ts'

interface Benchmark {
  description: string
  run: (argv: string[]) => Promise<number>
}

const BENCHMARKS: Record<string, Benchmark> = {
  features: {
    description:
      'fcv ingest + features vs the same work in pandas, real and ~10M-row synthetic logs',
    run: featuresBenchmark,
  },
  train: { description: 'fcv ingest → evaluate per TensorFlow backend', run: trainBenchmark },
  seeds: {
    description:
      'spread of the test metrics across train.seed, single network vs seed ensemble (train.ensemble)',
    run: seedsBenchmark,
  },
  'control-plane': {
    description:
      'promotion latency and read API throughput/p99 (autocannon), PGlite and PostgreSQL',
    run: controlPlaneBenchmark,
  },
  edge: {
    description:
      'built Worker in workerd vs Flask + RandomForest(1000): req/s, p50/p99 (autocannon), in-worker scoring time',
    run: edgeBenchmark,
  },
  telemetry: {
    description:
      'POST /v1/telemetry into the durable store, PostgreSQL and PGlite: reports/s, events/s, p50/p99, rows and transactions/s',
    run: telemetryBenchmark,
  },
  widget: {
    description:
      'web-widget scripts: sizes (as built, minified, gzip -9; 15 KB budget of the script tag); Chromium timings to come (first prediction cold and cached, a 500-line history)',
    run: widgetBenchmark,
  },
}

function usage(): string {
  const names = Object.entries(BENCHMARKS).map(([n, b]) => `  ${n.padEnd(12)} ${b.description}`)
  return [
    'usage: npm run bench -- <benchmark> [options]   (--help after a name for its options)',
    '',
    'benchmarks:',
    ...names,
  ].join('\n')
}

const [name, ...rest] = process.argv.slice(2)
if (name === undefined || name === '--help' || name === '-h') {
  process.stdout.write(usage() + '\n')
  process.exit(name === undefined ? 1 : 0)
}
const bench = BENCHMARKS[name]
if (!bench) {
  process.stderr.write(
    `unknown benchmark "${name}"; available: ${Object.keys(BENCHMARKS).join(', ')}\n\n${usage()}\n`
  )
  process.exit(2)
}
try {
  process.exitCode = await bench.run(rest)
} catch (e) {
  const err = e as Error
  process.stderr.write(`bench ${name}: ${err.message}\n`)
  if (!(err instanceof StepError) && err.stack) process.stderr.write(`${err.stack}\n`)
  process.exitCode = 1
}
