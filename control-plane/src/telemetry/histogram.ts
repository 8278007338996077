import { rebucket } from '@fcv/core'
import type { Metric, Registry } from 'prom-client'

// A Prometheus histogram fed with histograms that were bucketed elsewhere (the edge workers'):
// prom-client's Histogram only observes single values, so this keeps per-bucket counts, sum and
// count per label set and exposes them in the shape registry.metrics() reads from a histogram
// (`<name>_bucket{…,le}` cumulative, `+Inf`, `_sum`, `_count`).
//
// Bounds are per series, taken from its first report. A later report with other bounds (a worker
// upgrade) is merged exactly when its bounds include all of the series' bounds (finer buckets add
// up into coarser ones); otherwise the series starts over with the new bounds, which Prometheus
// reads as a counter reset, and the caller counts it.

export interface Bucketed {
  bounds: readonly number[]
  /** counts[i]: values in (bounds[i-1], bounds[i]]; the last entry: values above the last bound. */
  counts: readonly number[]
  /** null: not known (the widget's beacons carry counts only); the series then has no `_sum`. */
  sum: number | null
}

/** A histogram of milliseconds in seconds, Prometheus' base unit. */
export function msToSeconds(h: Bucketed): Bucketed {
  return {
    bounds: h.bounds.map((b) => b / 1000),
    counts: h.counts,
    sum: h.sum === null ? null : h.sum / 1000,
  }
}

/** What add() did: `dropped` when a new label set would exceed the family's cap. */
export type AddResult = 'added' | 'merged' | 'restarted' | 'empty' | 'dropped'

interface Series {
  labels: Record<string, string>
  bounds: number[]
  counts: number[]
  sum: number | null
  count: number
}

interface Value {
  metricName: string
  labels: Record<string, string>
  value: number
}

// Re-bucketing is core's (drift.ts), shared with the drift comparison.
export { rebucket }

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

export class PrebucketedHistogram<L extends string> {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  readonly name: string
  readonly help: string
  readonly labelNames: readonly L[]
  private readonly maxSeries: number
  private series = new Map<string, Series>()

  constructor(o: {
    name: string
    help: string
    labelNames: readonly L[]
    registry: Registry
    /** Label sets kept at most; a new one beyond is dropped. */
    maxSeries: number
  }) {
    this.name = o.name
    this.help = o.help
    this.labelNames = o.labelNames
    this.maxSeries = o.maxSeries
    // Structurally what the registry reads (name, help, type, get, reset), not a prom-client class.
    o.registry.registerMetric(this as unknown as Metric)
  }

  get size(): number {
    return this.series.size
  }

  /** Adds a histogram's buckets, sum and count to the series of `labels`. */
  add(labels: Record<L, string>, h: Bucketed): AddResult {
    const count = h.counts.reduce((a, b) => a + b, 0)
    if (count === 0) return 'empty'
    const key = JSON.stringify(this.labelNames.map((n) => labels[n]))
    const s = this.series.get(key)
    if (!s) {
      if (this.series.size >= this.maxSeries) return 'dropped'
      // An empty value is no label to Prometheus: left out, a series that does not have one
      // reads exactly as it did before the label was added.
      const own = Object.fromEntries(
        this.labelNames.filter((n) => labels[n] !== '').map((n) => [n, labels[n]])
      )
      this.series.set(key, {
        labels: own,
        bounds: [...h.bounds],
        counts: [...h.counts],
        sum: h.sum,
        count,
      })
      return 'added'
    }
    const counts = sameBounds(s.bounds, h.bounds)
      ? h.counts
      : rebucket(h.bounds, h.counts, s.bounds)
    if (!counts) {
      Object.assign(s, { bounds: [...h.bounds], counts: [...h.counts], sum: h.sum, count })
      return 'restarted'
    }
    counts.forEach((c, i) => (s.counts[i]! += c))
    s.sum = s.sum === null || h.sum === null ? null : s.sum + h.sum
    s.count += count
    return counts === h.counts ? 'added' : 'merged'
  }

  async get() {
    const values: Value[] = []
    for (const s of this.series.values()) {
      let cumulative = 0
      s.bounds.forEach((bound, i) => {
        cumulative += s.counts[i]!
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { ...s.labels, le: String(bound) },
          value: cumulative,
        })
      })
      values.push({
        metricName: `${this.name}_bucket`,
        labels: { ...s.labels, le: '+Inf' },
        value: s.count,
      })
      if (s.sum !== null) {
        values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum })
      }
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count })
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    }
  }

  reset(): void {
    this.series = new Map()
  }
}
