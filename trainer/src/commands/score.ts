import { parseShard } from '@fcv/core'
import type { Params } from '../params/schema.ts'
import { DEFAULT_SCORE_DIR, runScore, type ModelChoice } from '../score/index.ts'

export interface ScoreFlags {
  asOf?: string
  modelVersion?: string
  alias?: string
  out?: string
  input?: string
  shard?: string
  strictWindow?: boolean
}

const money = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 0 })

/** The local candidate (train.out_dir) unless a registered version is named. */
export async function scoreCommand(params: Params, flags: ScoreFlags): Promise<void> {
  const model: ModelChoice =
    flags.modelVersion !== undefined
      ? { kind: 'version', version: flags.modelVersion }
      : flags.alias !== undefined
        ? { kind: 'alias', alias: flags.alias }
        : { kind: 'candidate', dir: params.train.out_dir }
  const s = await runScore(params, {
    model,
    asOf: flags.asOf,
    input: flags.input,
    outDir: flags.out ?? DEFAULT_SCORE_DIR,
    shard: flags.shard === undefined ? undefined : parseShard(flags.shard),
    strictWindow: flags.strictWindow ?? false,
  })
  const c = s.units.currency
  process.stdout.write(
    `score: ${s.customers.scored.toLocaleString('en-US')} customers as of ${s.as_of} by model ` +
      `${s.model.version}: ${money(s.total.expected)} ${c} expected in the next ` +
      `${s.units.horizon_days} days (P10-P90 of the total ${money(s.total.p10)}-${money(s.total.p90)} ${c}); ` +
      `${s.customers.without_purchase_before_as_of.toLocaleString('en-US')} without a purchase ` +
      `before as-of (not scored); wrote ${s.files.csv}, ${s.files.arrow}, ${s.files.summary}\n`
  )
}
