// Command-line options of the features benchmark and their defaults.

import { parseArgs } from 'node:util'
import { StepError } from '../common.ts'

export interface SyntheticSize {
  customers: number
  years: number
  seed: number
}

/**
 * Synthetic log sizes. Over 2 years the generator writes about 148 lines per customer
 * (trainer/src/generate/sizing.ts: customersForRows(10e6, 2) = 67,481); the exact count is measured.
 */
const SYNTHETIC_FULL: SyntheticSize = { customers: 67_500, years: 2, seed: 1 } // ~10.0M lines
const SYNTHETIC_QUICK: SyntheticSize = { customers: 6_750, years: 2, seed: 1 } // ~1.0M lines

export const USAGE = `usage: npm run bench -- features [options]

  --quick             small synthetic log (${SYNTHETIC_QUICK.customers} customers), one run each (also FCV_BENCH_QUICK=1)
  --skip-synthetic    only the real log
  --skip-real         only the synthetic log
  --runs N            timed runs per input (median reported); default 5 on the real log, 1 on synthetic
  --customers N       synthetic customers (default ${SYNTHETIC_FULL.customers}, quick ${SYNTHETIC_QUICK.customers})
  --years N           synthetic years (default ${SYNTHETIC_FULL.years})
  --seed N            synthetic seed (default ${SYNTHETIC_FULL.seed})
  --no-core-check     skip recomputing features with core/computeFeatures in the agreement check
  --check             exit 1 when a target or the agreement check fails

Python: $FCV_PYTHON, else .venv/bin/python (python3 -m venv .venv && .venv/bin/pip install -r requirements.txt).
Outputs: bench/out/ (generated logs, run directories, logs); figures: bench/results.json
(key "features"; --quick runs under "features:quick").`

export interface FeaturesOptions {
  help: false
  quick: boolean
  skipSynthetic: boolean
  skipReal: boolean
  /** --runs; undefined: 5 runs on the real log (1 with --quick), 1 on the synthetic log. */
  runsOverride: number | undefined
  synthetic: SyntheticSize
  coreCheck: boolean
  check: boolean
}

/** Parses argv; with --help the numbers are not validated, so help always prints. */
export function parseFeaturesOptions(argv: string[]): { help: true } | FeaturesOptions {
  const { values: o } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: process.env['FCV_BENCH_QUICK'] === '1' },
      'skip-synthetic': { type: 'boolean', default: false },
      'skip-real': { type: 'boolean', default: false },
      runs: { type: 'string' },
      customers: { type: 'string' },
      years: { type: 'string' },
      seed: { type: 'string' },
      'no-core-check': { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (o.help) return { help: true }
  const int = (name: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback
    const n = Number(text)
    if (!Number.isSafeInteger(n) || n < 1)
      throw new StepError(`--${name} must be a positive integer, got "${text}"`)
    return n
  }
  const size = o.quick ? SYNTHETIC_QUICK : SYNTHETIC_FULL
  const synthetic = {
    customers: int('customers', o.customers, size.customers),
    years: int('years', o.years, size.years),
    seed: int('seed', o.seed, size.seed),
  }
  return {
    help: false,
    quick: o.quick,
    skipSynthetic: o['skip-synthetic'],
    skipReal: o['skip-real'],
    runsOverride: o.runs === undefined ? undefined : int('runs', o.runs, 1),
    synthetic,
    coreCheck: !o['no-core-check'],
    check: o.check,
  }
}
