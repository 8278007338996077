// `fcv score`: every customer's forecast for the horizon after an as-of date, from the local
// candidate or a registered version, as scores.csv and scores.arrow (one row per customer with a
// purchase before as-of) and summary.json (the total and an interval for it, counts, the model, the
// window it is calibrated for). Histories go through core's scorer exactly as the edge worker's
// POST /v1/predict takes them (historyFeatures, then scoring the vectors), so a customer's numbers
// are the Worker's to the bit. The log is read in the memory-bounded passes `fcv features` uses
// (features.max_rows_in_memory), over one shard's customers with --shard i/n.

import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  addDays,
  createScorer,
  DAY_MS,
  formatDay,
  inShard,
  parseInstant,
  passOf,
  utcDay,
  type MlflowClient,
  type Scorer,
  type Shard,
} from '@fcv/core'
import {
  readInterimMeta,
  readInterimTimeRange,
  requireIngested,
  type InterimMeta,
} from '../interim/index.ts'
import { writeDirAtomically } from '../io/atomic-dir.ts'
import type { Params } from '../params/schema.ts'
import { ScoreError } from './errors.ts'
import {
  loadScoringModel,
  type ModelChoice,
  type ModelIdentity,
  type ScoringModel,
} from './model-source.ts'
import { scorePass } from './pass.ts'
import { TOTAL_INTERVAL_METHOD, TotalAccumulator, type Total } from './total.ts'
import { calibratedWindow, checkWindow, describeWindow } from './window.ts'
import { SCORE_FILES, ScoreWriter } from './writer.ts'

export { ScoreError } from './errors.ts'
export { SCORE_COLUMNS, SCORE_FILES } from './writer.ts'
export type { ModelChoice } from './model-source.ts'

export interface ScoreOptions {
  model: ModelChoice
  /** YYYY-MM-DD or an ISO instant; default: the end of the log's last day. */
  asOf?: string | undefined
  /** Default: <ingest.out_dir>/transactions.arrow. */
  input?: string | undefined
  /** Default: data/scores (a shard's in <outDir>/shards/<i>-of-<n>). */
  outDir?: string | undefined
  shard?: Shard | undefined
  /** Refuse an as-of outside the window the model is calibrated for (or an unknown window). */
  strictWindow?: boolean | undefined
  /** Rows held in memory at once; default features.max_rows_in_memory. */
  maxRowsInMemory?: number | undefined
  /** A client to use instead of MLFLOW_TRACKING_URI or the embedded server (tests). */
  client?: MlflowClient
  env?: Record<string, string | undefined>
  log?: (line: string) => void
}

export const DEFAULT_SCORE_DIR = 'data/scores'

/** summary.json */
export interface ScoreSummary {
  as_of: string
  /** How as-of was chosen: given, or the end of the log. */
  as_of_source: 'given' | 'end of log'
  log: { input: string; source: string; first: string; last: string }
  model: ModelIdentity
  feature_spec_version: string
  /** What expected, p10, p50, p90 and the totals are in. */
  units: { horizon_days: number; currency: string; currency_exponent: number; amount_unit: 'major' }
  calibrated_window: { start: string; end: string; from: string; as_of_inside: boolean } | null
  shard: Shard | null
  customers: {
    /** Customers with a purchase before as-of: one row each. */
    scored: number
    /** Customers of the log (or shard) without one: outside the model's population, no row. */
    without_purchase_before_as_of: number
    in_log: number
  }
  /** Sums over the scored customers, in major units; p10 and p90 bound the total. */
  total: Total & { method: string }
  files: { csv: string; arrow: string; summary: string }
  passes: number
  seconds: number
}

function parseAsOf(text: string): number {
  try {
    return parseInstant(text)
  } catch (e) {
    throw new ScoreError(`--as-of: ${(e as Error).message}`, { cause: e })
  }
}

/** The end of the day (UTC) of instant t: where a log whose last line is at t ends. */
const endOfDay = (t: number) => addDays(utcDay(t) * DAY_MS, 1)

/** core's scorer for the model, as the Worker builds it from a bundle's files. */
async function scorerFor(model: ScoringModel): Promise<Scorer> {
  try {
    return await createScorer({
      modelJson: model.modelJson,
      weights: model.weights,
      version: model.version,
    })
  } catch (e) {
    throw new ScoreError(`${model.label} cannot be scored: ${(e as Error).message}`, { cause: e })
  }
}

/** The model must count money as the log does: its features would be off by powers of ten. */
function checkUnits(model: ScoringModel, meta: InterimMeta, input: string): void {
  const spec = model.metadata.featureSpec
  if (spec.currencyExponent !== meta.currencyExponent) {
    throw new ScoreError(
      `${model.label} counts money in units of 10^-${spec.currencyExponent}; ${input} in ` +
        `10^-${meta.currencyExponent}: it was trained on another log`
    )
  }
  if (model.currency !== null && model.currency !== meta.currency) {
    throw new ScoreError(
      `${model.label} predicts in ${model.currency}; ${input} is in ${meta.currency}`
    )
  }
}

export async function runScore(params: Params, o: ScoreOptions): Promise<ScoreSummary> {
  const log = o.log ?? ((line: string) => process.stderr.write(line + '\n'))
  const started = performance.now()
  const given = o.asOf === undefined ? undefined : parseAsOf(o.asOf)
  const input = o.input ?? join(params.ingest.out_dir, 'transactions.arrow')
  await requireIngested(input, ScoreError)
  const meta = await readInterimMeta(input)
  const range = await readInterimTimeRange(input)
  if (!range) throw new ScoreError(`${input} holds no transactions: nothing to score`)
  // By default the end of the log's last day, so every line of it counts.
  const asOf = given ?? endOfDay(range.last)
  const asOfIso = new Date(asOf).toISOString()
  if (asOf <= range.first) {
    throw new ScoreError(
      `no customer has a purchase before as-of ${asOfIso}: the log starts at ` +
        new Date(range.first).toISOString()
    )
  }
  if (asOf > endOfDay(range.last)) {
    log(
      `score: warning: as-of ${asOfIso} is after the end of the log (its last transaction is on ` +
        `${formatDay(range.last)}): purchases since then are not in it, so customers look less ` +
        'recent than they are'
    )
  }

  const model = await loadScoringModel(params, o.model, {
    log,
    ...(o.client ? { client: o.client } : {}),
    ...(o.env ? { env: o.env } : {}),
  })
  checkUnits(model, meta, input)
  const window = calibratedWindow(model)
  const checked = checkWindow(asOf, window, o.strictWindow ?? false)
  if (checked.warning) log(`score: warning: ${checked.warning}`)
  const scorer = await scorerFor(model)
  log(
    `score: ${model.label} (${model.identity.source === 'candidate' ? `${model.version}, ` : ''}` +
      `${scorer.engine}) as of ${asOfIso}` +
      (window ? `; calibrated for ${describeWindow(window)}` : '')
  )

  const shard = o.shard
  const outDir = join(
    o.outDir ?? DEFAULT_SCORE_DIR,
    ...(shard ? ['shards', `${shard.index}-of-${shard.count}`] : [])
  )
  const maxRows = o.maxRowsInMemory ?? params.features.max_rows_in_memory
  const passes = Math.max(1, Math.ceil(meta.rows / maxRows))
  const files = {
    csv: join(outDir, SCORE_FILES.csv),
    arrow: join(outDir, SCORE_FILES.arrow),
    summary: join(outDir, SCORE_FILES.summary),
  }
  try {
    return await writeDirAtomically(outDir, async (tmp) => {
      const writer = new ScoreWriter(
        { csv: join(tmp, SCORE_FILES.csv), arrow: join(tmp, SCORE_FILES.arrow) },
        asOf
      )
      const total = new TotalAccumulator()
      const counts = { scored: 0, without: 0 }
      try {
        for (let pass = 0; pass < passes; pass++) {
          const keep =
            shard || passes > 1
              ? (id: string) =>
                  (!shard || inShard(id, shard)) && (passes === 1 || passOf(id, passes) === pass)
              : undefined
          await scorePass(input, keep, asOf, scorer, {
            pass: `pass ${pass + 1}/${passes}`,
            log,
            async scored(predictions, variance) {
              total.add(
                Float64Array.from(predictions, (p) => p.expected),
                variance
              )
              counts.scored += predictions.length
              await writer.add(predictions)
            },
            without(n) {
              counts.without += n
            },
          })
        }
        await writer.close()
      } catch (e) {
        writer.abort()
        throw e
      }
      if (counts.scored === 0) {
        throw new ScoreError(
          `no customer${shard ? ` of shard ${shard.index}/${shard.count}` : ''} has a purchase ` +
            `before as-of ${asOfIso}: nothing to score`
        )
      }
      const spec = model.metadata.featureSpec
      const summary: ScoreSummary = {
        as_of: asOfIso,
        as_of_source: given === undefined ? 'end of log' : 'given',
        log: {
          input,
          source: meta.source,
          first: new Date(range.first).toISOString(),
          last: new Date(range.last).toISOString(),
        },
        model: model.identity,
        feature_spec_version: scorer.featureSpecVersion,
        units: {
          horizon_days: spec.horizonDays,
          currency: meta.currency,
          currency_exponent: meta.currencyExponent,
          amount_unit: 'major',
        },
        calibrated_window: window && {
          start: formatDay(window.start),
          end: formatDay(window.end),
          from: window.from,
          as_of_inside: checked.inside === true,
        },
        shard: shard ?? null,
        customers: {
          scored: counts.scored,
          without_purchase_before_as_of: counts.without,
          in_log: counts.scored + counts.without,
        },
        total: { ...total.total(), method: TOTAL_INTERVAL_METHOD },
        files,
        passes,
        seconds: Math.round((performance.now() - started) / 100) / 10,
      }
      await writeFile(join(tmp, SCORE_FILES.summary), JSON.stringify(summary, null, 2) + '\n')
      return summary
    })
  } finally {
    scorer.dispose()
  }
}
