// The worker's telemetry histograms: their fixed bucket bounds and the bucketing, in core beside the
// payload they fill, so the worker and every test that builds a report bucket the same way.

import type { Histogram } from './telemetry-payload.ts'

/** Bucket upper bounds of each histogram the worker reports. */
export const TELEMETRY_BOUNDS = {
  latencyMs: [1, 2, 5, 10, 20, 50, 100, 250, 500, 1000, 2500],
  expected: [0, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 100_000],
  pBuy: [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1],
  // Until the receiver can bucket by the bundle's normalisation, a signed log scale.
  feature: [-1e4, -1e3, -100, -10, -1, -0.1, 0, 0.1, 1, 10, 100, 1e3, 1e4, 1e5],
} as const satisfies Record<string, readonly number[]>

/**
 * The bucket index of v for `bounds`: i with bounds[i-1] < v <= bounds[i], and bounds.length for
 * v above every bound. The Worker's histograms and the widget's beacons bucket with it.
 */
export function bucketOf(bounds: readonly number[], v: number): number {
  let i = 0
  while (i < bounds.length && v > bounds[i]!) i++
  return i
}

/** A histogram being filled: counts[i] holds bounds[i-1] < v <= bounds[i] (see Histogram). */
export class HistogramBuckets {
  readonly bounds: readonly number[]
  readonly counts: Float64Array
  sum = 0
  n = 0
  constructor(bounds: readonly number[]) {
    this.bounds = bounds
    this.counts = new Float64Array(bounds.length + 1)
  }
  add(v: number): void {
    // NaN and ±Infinity are not counted: an infinite sum would not survive JSON.
    if (!Number.isFinite(v)) return
    this.counts[bucketOf(this.bounds, v)]!++
    this.sum += v
    this.n++
  }
  snapshot(): Histogram {
    return { bounds: [...this.bounds], counts: [...this.counts], sum: this.sum, n: this.n }
  }
}

/** `values` bucketed by `bounds`, as the worker reports them. */
export function histogramOf(bounds: readonly number[], values: readonly number[]): Histogram {
  const buckets = new HistogramBuckets(bounds)
  for (const v of values) buckets.add(v)
  return buckets.snapshot()
}
