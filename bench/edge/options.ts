// Command-line options of the edge benchmark and their defaults.

import { parseArgs } from 'node:util'
import { StepError } from '../common.ts'

export const USAGE = `usage: npm run bench -- edge [options]

  --quick             3 s per load run, 1 s warm-up, 10 timed in-worker runs (also FCV_BENCH_QUICK=1)
  --duration S        seconds per load run (default 10, quick 3)
  --warmup S          seconds of unrecorded load before each run (default 3, quick 1)
  --connections N     autocannon connections (default 16)
  --runs N            timed in-worker runs of 1,000 histories after the warm-up (default 30, quick 10)
  --flask-workers N   gunicorn workers of the Flask endpoint (default 2: the machine's cores)
  --skip-flask        no Flask side-by-side (no ratio)
  --check             exit 1 when a target fails

Builds the Worker with wrangler deploy --dry-run and runs it in workerd through Miniflare on
127.0.0.1 (no wrangler dev proxy); loads it and bench/edge/flask_rf.py (gunicorn) with autocannon.
Needs data/processed/{train,test}.arrow and data/interim/transactions.arrow (npm run pipeline).
Python: $FCV_PYTHON, else .venv/bin/python (pip install -r requirements.txt).
Figures: bench/results.json (key "edge"; --quick runs under "edge:quick").`

export interface EdgeOptions {
  help: false
  quick: boolean
  durationS: number
  warmupS: number
  connections: number
  runs: number
  flaskWorkers: number
  flask: boolean
  check: boolean
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isInteger(n) || n <= 0) {
    throw new StepError(`--${name} needs a positive integer, got "${text}"\n\n${USAGE}`)
  }
  return n
}

export function parseEdgeOptions(argv: string[]): { help: true } | EdgeOptions {
  const { values: o } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: process.env['FCV_BENCH_QUICK'] === '1' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      runs: { type: 'string' },
      'flask-workers': { type: 'string' },
      'skip-flask': { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (o.help) return { help: true }
  return {
    help: false,
    quick: o.quick,
    durationS: positive('duration', o.duration, o.quick ? 3 : 10),
    warmupS: positive('warmup', o.warmup, o.quick ? 1 : 3),
    connections: positive('connections', o.connections, 16),
    runs: positive('runs', o.runs, o.quick ? 10 : 30),
    flaskWorkers: positive('flask-workers', o['flask-workers'], 2),
    flask: !o['skip-flask'],
    check: o.check,
  }
}
