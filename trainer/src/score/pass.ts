// One read of the interim log (one memory-bounded pass, perhaps one shard's customers) scored a
// slice of customers at a time, as the edge worker's POST /v1/predict scores histories: each
// customer's wire history, its feature vector at as-of (none: no purchase before it), then the
// vectors through the model (edge-worker/src/routes/predict.ts).

import {
  ScoringInputError,
  type FeatureRow,
  type HistoryItem,
  type Prediction,
  type Scorer,
} from '@fcv/core'
import { groupByCustomer, wireHistory } from '../features/customer-order.ts'
import { formatCount } from '../ingest/progress.ts'
import { readInterim } from '../interim/index.ts'
import { ScoreError } from './errors.ts'

/** Customers per call of the scorer: bounds the wire histories held at once. */
const CUSTOMERS_PER_CALL = 2048

export interface PassSink {
  /** "pass 1/2", for progress lines. */
  pass: string
  log: (line: string) => void
  scored(predictions: Prediction[], variance: Float64Array): Promise<void>
  without(customers: number): void
}

/** One read of the log (the customers `keep` accepts), scored a slice of customers at a time. */
export async function scorePass(
  input: string,
  keep: ((id: string) => boolean) | undefined,
  asOf: number,
  scorer: Scorer,
  sink: PassSink
): Promise<void> {
  const started = performance.now()
  const cols = await readInterim(input, { keep, ids: true })
  const groups = groupByCustomer(cols)
  const n = groups.customerIds.length
  let nextLog = performance.now() + 1000
  let scored = 0
  for (let from = 0; from < n; from += CUSTOMERS_PER_CALL) {
    const to = Math.min(n, from + CUSTOMERS_PER_CALL)
    const items: HistoryItem[] = []
    for (let c = from; c < to; c++) {
      items.push({
        customerId: groups.customerIds[c] as string,
        transactions: wireHistory(groups, cols, c, asOf),
      })
    }
    // As POST /v1/predict scores histories: their vectors, then the vectors (routes/predict.ts).
    const rows: FeatureRow[] = []
    let vectors
    try {
      vectors = scorer.historyFeatures(items, asOf)
    } catch (e) {
      throw asCustomerError(e, items)
    }
    vectors.forEach((features, i) => {
      if (features) rows.push({ customerId: items[i]!.customerId, features })
    })
    const { predictions, variance } = scorer.scoreFeaturesWithVariance(rows)
    sink.without(items.length - rows.length)
    await sink.scored(predictions, variance)
    scored += rows.length
    const now = performance.now()
    if (now >= nextLog && to < n) {
      nextLog = now + 1000
      const rate = to / ((now - started) / 1000)
      sink.log(
        `score: ${sink.pass}: ${formatCount(to)} of ${formatCount(n)} customers, ` +
          `${formatCount(Math.round(rate))}/s`
      )
    }
  }
  sink.log(
    `score: ${sink.pass}: ${formatCount(cols.length)} transactions, ${formatCount(n)} customers, ` +
      `${formatCount(scored)} with a purchase before as-of scored in ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s`
  )
}

/** A history core refuses, named by customer rather than by its place in a slice. */
function asCustomerError(e: unknown, items: readonly HistoryItem[]): unknown {
  if (!(e instanceof ScoringInputError)) return e
  const at = /^items\[(\d+)\]/.exec(e.field)
  const id = at ? items[Number(at[1])]?.customerId : undefined
  if (id === undefined) return e
  return new ScoreError(`customer "${id}": ${e.message}`, { cause: e })
}
