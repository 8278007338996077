// Command-line options of the train benchmark.

import { parseArgs } from 'node:util'
import { StepError } from '../common.ts'
import { BACKENDS, type Backend } from './backends.ts'

export const USAGE = `usage: npm run bench -- train [options]

  --quick             the shipped sample log (data/sample/online_retail_ii_sample.csv.gz) instead of
                      the full development log (also FCV_BENCH_QUICK=1)
  --backend NAME      native, js or all (default all); native is skipped, with the reason, when
                      @tensorflow/tfjs-node does not load
  --check             exit 1 when a target fails

Runs fcv ingest, features, train and evaluate (default params.yaml) with every output under
bench/out/train/<backend>/; figures: bench/results.json (key "train"; --quick runs under "train:quick").`

export interface TrainOptions {
  help: false
  quick: boolean
  backends: Backend[]
  check: boolean
}

export function parseTrainOptions(argv: string[]): { help: true } | TrainOptions {
  const { values: o } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: process.env['FCV_BENCH_QUICK'] === '1' },
      backend: { type: 'string', default: 'all' },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (o.help) return { help: true }
  const backends = o.backend === 'all' ? [...BACKENDS] : BACKENDS.filter((b) => b === o.backend)
  if (backends.length === 0)
    throw new StepError(`--backend must be native, js or all, got "${o.backend}"`)
  return { help: false, quick: o.quick, backends, check: o.check }
}
