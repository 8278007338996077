// The command line of `bash scripts/main.sh`: the loop's own flags, the rest handed to the pipeline
// as params overrides (`--set key.path=value`, `--data FILE` being `--set data.path=FILE`).

import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'

export interface LoopArgs {
  /** Headless: run the loop once, check the three runtimes agree, stop, exit 0/1. */
  check: boolean
  /** params.yaml overrides, in order (`--data` first). */
  sets: string[]
  /** Refuse to override failed gates (a historical log then cannot be promoted). */
  strictGates: boolean
  /** Do not start Prometheus even when it is installed. */
  prometheus: boolean
  help: boolean
}

export class UsageError extends Error {}

export const USAGE = `usage: bash scripts/main.sh [--check] [--data FILE] [--set key.path=value ...]
                          [--strict-gates] [--no-prometheus]

Sets the machine up, then runs the whole loop on the embedded defaults: trains on the shipped
sample (or --data FILE), registers in MLflow, starts the control plane, promotes the new version
to the edge and widget channels, runs the Worker, serves the demo storefront with the widget and
a Prometheus scraping the control plane, and serves until Ctrl-C. State (signing key, tokens,
database, logs) is kept in .fcv/ (FCV_STATE_DIR), so a second run promotes the next version.

  --check           the same loop headless: exit 0 only when the edge's, the widget's and the
                    trainer's offline predictions for the demo customers agree; then stop
  --data FILE       train on this transaction log (CSV, CSV.gz); map its columns with --set
  --set K=V         a params.yaml override (repeatable), e.g. --set features.test_cutoff=2023-09-01
  --strict-gates    never force a promotion the quality gates refuse (exit 3 instead)
  --no-prometheus   do not start Prometheus
`

export function parseLoopArgs(argv: readonly string[]): LoopArgs {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        check: { type: 'boolean', default: false },
        data: { type: 'string' },
        set: { type: 'string', multiple: true, default: [] },
        'strict-gates': { type: 'boolean', default: false },
        'no-prometheus': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    })
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  const v = parsed.values
  const sets: string[] = []
  if (v.data !== undefined) {
    if (!existsSync(v.data)) throw new UsageError(`--data ${v.data}: no such file`)
    sets.push(`data.path=${v.data}`)
  }
  for (const s of v.set) {
    if (!/^[A-Za-z_][\w.]*=/.test(s)) {
      throw new UsageError(
        `--set ${s}: expected key.path=value (e.g. features.test_cutoff=2023-09-01)`
      )
    }
    sets.push(s)
  }
  return {
    check: v.check,
    sets,
    strictGates: v['strict-gates'],
    prometheus: !v['no-prometheus'],
    help: v.help,
  }
}
