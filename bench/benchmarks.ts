// Every benchmark of fcv. Each is a function of its own arguments that returns an exit code; add new
// ones here. Figures go to bench/results.json under the benchmark's name (":quick" for --quick),
// other keys are kept. `npm run bench` (the suite) runs them cheapest first by `seconds`.

import { controlPlaneBenchmark } from './control-plane/index.ts'
import { edgeBenchmark } from './edge/index.ts'
import { featuresBenchmark } from './features/index.ts'
import { seedsBenchmark } from './seeds/index.ts'
import { telemetryBenchmark } from './telemetry/index.ts'
import { trainBenchmark } from './train/index.ts'
import { widgetBenchmark } from './widget/index.ts'

export interface Benchmark {
  description: string
  /** What --quick changes (every benchmark has one; its figures go under "<name>:quick"). */
  quick: string
  /**
   * About how long it takes on the 2-core development machine, for the suite's order: quick from
   * the quick suite of 2026-12-05, full from the benchmark's last full run or its README.
   */
  seconds: { quick: number; full: number }
  run: (argv: string[]) => Promise<number>
}

export const BENCHMARKS: Record<string, Benchmark> = {
  widget: {
    seconds: { quick: 31, full: 60 },
    description:
      'web-widget scripts: sizes (as built, minified, gzip -9; 15 KB budget of the script tag); in Chromium the first prediction cold and cached, and scoring a 500-line history',
    quick: '3 page loads instead of 10, 100 scoring calls instead of 500',
    run: widgetBenchmark,
  },
  telemetry: {
    seconds: { quick: 20, full: 40 },
    description:
      'POST /v1/telemetry into the durable store, PostgreSQL and PGlite: reports/s, events/s, p50/p99, rows and transactions/s',
    quick: '5 s of load per database instead of 15',
    run: telemetryBenchmark,
  },
  'control-plane': {
    seconds: { quick: 31, full: 90 },
    description:
      'promotion latency and read API throughput/p99 (autocannon), PGlite and PostgreSQL',
    quick: '5 promotions instead of 20, 3 s per endpoint instead of 10',
    run: controlPlaneBenchmark,
  },
  train: {
    // Full: a guess; the pure-JS backend trains the ensemble (231 s on the sample, 5x the customers).
    seconds: { quick: 252, full: 1500 },
    description: 'fcv ingest → evaluate per TensorFlow backend',
    quick: 'the shipped sample log instead of the full development log (the 60 s target is N/A)',
    run: trainBenchmark,
  },
  edge: {
    seconds: { quick: 56, full: 180 },
    description:
      'built Worker in workerd vs Flask + RandomForest(1000): req/s, p50/p99 (autocannon), in-worker scoring time',
    quick:
      '1 s warm-up and 3 s per load run instead of 3 s and 10 s, 10 timed in-worker runs instead of 30',
    run: edgeBenchmark,
  },
  features: {
    seconds: { quick: 32, full: 300 },
    description:
      'fcv ingest + features vs the same work in pandas, real and ~10M-row synthetic logs',
    quick:
      'one run on the real log instead of 5, a ~1M-row synthetic log instead of ~10M (the RSS target is N/A)',
    run: featuresBenchmark,
  },
  seeds: {
    seconds: { quick: 76, full: 2100 },
    description:
      'spread of the test metrics across train.seed, single network vs seed ensemble (train.ensemble)',
    quick: 'the shipped sample only (no development-log cases), seeds 1-5 instead of 1-25',
    run: seedsBenchmark,
  },
}
