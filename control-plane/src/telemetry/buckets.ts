import type { TelemetryPayload } from '@fcv/core'
import { NO_MODEL } from './widget-metrics.ts'

// A telemetry report as rows of telemetry_buckets: every count and histogram it carries, keyed by
// the minute it belongs to. A batch of reports folds into one row per key (BucketFold), so the
// database sees one upsert per series and minute however many isolates reported it.
//
// Rows per kind (source edge, channel edge unless said; '' where a label does not apply):
//   requests            name = outcome                         counts [n]
//   predictions         model_version, name = variant          counts [customers scored]
//   prediction_errors   model_version, name = variant          counts [customers failed]
//   latency             name ''                                histogram of milliseconds
//   predicted_value     model_version, name = variant          histogram (major currency units)
//   predicted_pbuy      model_version, name = variant          histogram (0..1)
//   feature             model_version (the bounds' model, if the report says), name = feature
//   beacons             source/channel widget, name = outcome  counts [n]
//   widget_scores       source/channel widget, model_version (__none__ without a model),
//                       name = variant:outcome                 counts [calls]
//   widget_latency      as widget_scores                       histogram of milliseconds, no sum
//   widget_predicted_value  model_version, name = variant      histogram, no sum

export const BUCKET_MS = 60_000

export const BUCKET_KINDS = [
  'requests',
  'predictions',
  'prediction_errors',
  'latency',
  'predicted_value',
  'predicted_pbuy',
  'feature',
  'widget_scores',
  'widget_latency',
  'widget_predicted_value',
  'beacons',
] as const
export type BucketKind = (typeof BUCKET_KINDS)[number]

export interface BucketRow {
  bucketStart: Date
  source: 'edge' | 'widget'
  channel: 'edge' | 'widget'
  modelVersion: string
  kind: BucketKind
  name: string
  bounds: number[]
  boundsKey: string
  counts: number[]
  n: number
  /** null: not known (widget histograms, plain counts). */
  sum: number | null
}

/**
 * The minute a report is summed into: that of its window's last millisecond (a window ending on
 * the minute belongs to the minute before), but never later than when it arrived, so a worker
 * whose clock runs ahead cannot write into the future.
 */
export function bucketStartOf(p: TelemetryPayload, receivedAt: number): Date {
  const start = Date.parse(p.window.start)
  const last = Math.min(Math.max(start, Date.parse(p.window.end) - 1), receivedAt)
  return new Date(Math.floor(last / BUCKET_MS) * BUCKET_MS)
}

/** The rows of one report (empty series left out: they would add nothing). */
export function bucketRows(p: TelemetryPayload, receivedAt: number): BucketRow[] {
  const bucketStart = bucketStartOf(p, receivedAt)
  const rows: BucketRow[] = []
  const edge = { bucketStart, source: 'edge', channel: 'edge' } as const
  const widget = { bucketStart, source: 'widget', channel: 'widget' } as const
  const count = (
    at: typeof edge | typeof widget,
    kind: BucketKind,
    modelVersion: string,
    name: string,
    n: number
  ) => {
    if (n > 0) rows.push({ ...at, kind, modelVersion, name, ...plain, counts: [n], n, sum: null })
  }
  const histogram = (
    at: typeof edge | typeof widget,
    kind: BucketKind,
    modelVersion: string,
    name: string,
    h: { bounds: number[]; counts: number[]; sum: number | null }
  ) => {
    const n = h.counts.reduce((a, b) => a + b, 0)
    if (n === 0) return
    rows.push({
      ...at,
      kind,
      modelVersion,
      name,
      bounds: h.bounds,
      boundsKey: h.bounds.join(','),
      counts: h.counts,
      n,
      sum: h.sum,
    })
  }

  for (const r of p.requests) count(edge, 'requests', '', r.outcome, r.n)
  for (const x of p.predictions) {
    count(edge, 'predictions', x.modelVersion, x.variant, x.n)
    count(edge, 'prediction_errors', x.modelVersion, x.variant, x.errors)
  }
  histogram(edge, 'latency', '', '', p.latencyMs)
  for (const x of p.predicted) {
    histogram(edge, 'predicted_value', x.modelVersion, x.variant, x.expected)
    histogram(edge, 'predicted_pbuy', x.modelVersion, x.variant, x.pBuy)
  }
  for (const f of p.features) {
    // modelVersion: bucketed by that model's training profile; '' on the Worker's fixed bounds.
    histogram(edge, 'feature', f.modelVersion ?? '', f.name, f.numeric)
  }
  if (p.widget) {
    const w = p.widget
    for (const b of w.beacons) count(widget, 'beacons', '', b.outcome, b.n)
    for (const s of w.series) {
      const version = s.modelVersion ?? NO_MODEL
      const name = `${s.variant}:${s.outcome}`
      count(widget, 'widget_scores', version, name, s.n)
      histogram(widget, 'widget_latency', version, name, {
        bounds: w.bounds.latencyMs,
        counts: s.latencyMs,
        sum: null,
      })
      histogram(widget, 'widget_predicted_value', version, s.variant, {
        bounds: w.bounds.expected,
        counts: s.expected,
        sum: null,
      })
    }
  }
  return rows
}

const plain = { bounds: [] as number[], boundsKey: '' }

export function bucketKey(r: BucketRow): string {
  return JSON.stringify([
    r.bucketStart.getTime(),
    r.source,
    r.channel,
    r.modelVersion,
    r.kind,
    r.name,
    r.boundsKey,
  ])
}

/** Rows summed per key: counts elementwise, n and sum added (a sum stays null only if all are). */
export class BucketFold {
  private readonly rows = new Map<string, BucketRow>()

  add(row: BucketRow): void {
    const key = bucketKey(row)
    const had = this.rows.get(key)
    if (!had) {
      this.rows.set(key, { ...row, counts: [...row.counts] })
      return
    }
    row.counts.forEach((c, i) => (had.counts[i]! += c))
    had.n += row.n
    had.sum = had.sum === null && row.sum === null ? null : (had.sum ?? 0) + (row.sum ?? 0)
  }

  addReport(p: TelemetryPayload, receivedAt: number): void {
    for (const row of bucketRows(p, receivedAt)) this.add(row)
  }

  get size(): number {
    return this.rows.size
  }

  /** In key order: every writer locks rows in the same order, so two replicas cannot deadlock. */
  sorted(): BucketRow[] {
    return [...this.rows].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r)
  }
}
