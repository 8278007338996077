// Per-isolate telemetry: counts, a latency histogram, predicted-value histograms and per-feature
// histograms for drift, and the widget beacons summed per model version, variant and outcome,
// kept in fixed-size memory and flushed to the control plane with
// ctx.waitUntil after a response, every TELEMETRY_FLUSH_SECONDS or TELEMETRY_FLUSH_PREDICTIONS.
// Nothing here can fail or slow a response: recording is arithmetic on preallocated arrays, and a
// flush is never awaited by a request. A window the control plane did not accept (network error,
// 5xx: its store was down) is kept, up to MAX_UNSENT windows, and sent again at the next flush,
// unchanged: the same isolate and window make the resend idempotent on the control plane. The
// oldest kept window is dropped beyond that, and a window the control plane refuses as such (400,
// 413, 415, 422) is not kept; both count in dropped.flushFailures (windows lost).
//
// Each report also says what the isolate serves at the drain (`serving`: per channel it has a view
// of, the champion, canary and shadow versions), so the control plane sees an isolate still
// serving a version after a deployment changed. A request that only reads a channel's view (GET
// /v1/bundle, /v1/model) records nothing else but opens the window (touch), so an isolate whose
// only traffic is pages fetching the widget bundle still reports, at the flush interval. An
// isolate without any request sends nothing: it serves nobody, so it cannot be stale in effect.
//
// Caveats: workerd's clock only advances on I/O, so latencies are wall time around the request's
// I/O (KV reads), not CPU time; an isolate that goes idle keeps its last partial window until the
// next request (or loses it when evicted).

import {
  emptyWidgetSeries,
  HistogramBuckets as Buckets,
  TELEMETRY_BOUNDS,
  TELEMETRY_LIMITS,
  TELEMETRY_SCHEMA,
  WIDGET_BEACON_BOUNDS,
  widgetSeriesKey,
  type Histogram,
  type Outcome,
  type TelemetryPayload,
  type TelemetryServing,
  type Variant,
  type WidgetBeaconResult,
  type WidgetBeaconSeries,
  type WidgetTelemetrySeries,
} from '@fcv/core'
import type { FeatureValues } from './scoring.ts'

// The payload is a contract with the control plane's receiver, so it lives in core.
export { TELEMETRY_SCHEMA }
export type { Histogram, Outcome, TelemetryPayload, TelemetryServing, Variant }

const MAX_PREDICTED_SERIES = 8
// A spec's 26 numeric features per profiled model version (champion and canary, and the next
// champion within a window), and the unprofiled series.
const MAX_FEATURES = 128
const MAX_CATEGORIES = 32
const MAX_WIDGET_SERIES = 32
/** Windows kept for a resend after failed flushes (each at most a few tens of kB). */
export const MAX_UNSENT = 4
/** Answers that refuse the report itself: sending it again cannot help. */
const REFUSED = new Set([400, 413, 415, 422])
const OTHER = '__other__'

interface FeatureSeries {
  featureSpecVersion: string
  /** Set when numeric is bucketed by this model's training profile. */
  modelVersion?: string
  name: string
  numeric: Buckets
  categories: Map<string, number>
}

export interface ScoredBatch {
  modelVersion: string
  variant: Variant
  values: readonly { expected: number; pBuy: number }[]
}

/** A model's training profile bounds by feature name (core's profileBoundsOf). */
export interface ProfiledModel {
  modelVersion: string
  bounds: ReadonlyMap<string, readonly number[]>
}

export interface TelemetryTarget {
  url: string
  token: string | undefined
  flushMs: number
  flushPredictions: number
}

export class Telemetry {
  // Both lazy: the app is built at module scope, where workerd allows no random values and its
  // clock reads 0.
  private isolateId: string | null = null
  /** When the first thing of this window was recorded; null: nothing yet. */
  private windowStart: number | null = null
  private colo: string | null = null
  private requests = new Map<Outcome, number>()
  private predictions = new Map<
    string,
    { modelVersion: string; variant: Variant; n: number; errors: number }
  >()
  private latency = new Buckets(TELEMETRY_BOUNDS.latencyMs)
  private predicted = new Map<
    string,
    { modelVersion: string; variant: Variant; expected: Buckets; pBuy: Buckets }
  >()
  private features = new Map<string, FeatureSeries>()
  private beacons = new Map<WidgetBeaconResult, number>()
  private widgetSeries = new Map<string, WidgetTelemetrySeries>()
  private scored = 0
  private dropped = { series: 0, categories: 0, flushFailures: 0 }
  /** Drained windows not accepted yet, oldest first. */
  private unsent: TelemetryPayload[] = []

  private readonly now: () => number
  private readonly send: typeof fetch
  private readonly serving: () => readonly TelemetryServing[]

  /** `serving`: what the isolate would serve now, asked at each drain (Serving.served). */
  constructor(
    now: () => number = Date.now,
    send: typeof fetch = (input, init) => fetch(input, init),
    serving: () => readonly TelemetryServing[] = () => []
  ) {
    this.now = now
    this.send = send
    this.serving = serving
  }

  get isolate(): string {
    return (this.isolateId ??= crypto.randomUUID())
  }

  private open(): void {
    this.windowStart ??= this.now()
  }

  /**
   * A request answered from a channel's view with nothing else to record (GET /v1/bundle,
   * /v1/model): the window opens, so its flush reports what the isolate serves.
   */
  touch(): void {
    this.open()
  }

  /** `colo` is asked for until it gives one: an isolate runs in one location. */
  request(outcome: Outcome, latencyMs: number, colo?: () => string | undefined): void {
    this.open()
    this.requests.set(outcome, (this.requests.get(outcome) ?? 0) + 1)
    this.latency.add(latencyMs)
    if (this.colo === null && colo) this.colo = colo() ?? null
  }

  scores(batch: ScoredBatch): void {
    this.open()
    const key = `${batch.variant}\u0000${batch.modelVersion}`
    const counts = this.countsOf(batch.modelVersion, batch.variant)
    if (counts) counts.n += batch.values.length
    const series =
      this.predicted.get(key) ??
      this.capped(
        this.predicted,
        key,
        () => ({
          modelVersion: batch.modelVersion,
          variant: batch.variant,
          expected: new Buckets(TELEMETRY_BOUNDS.expected),
          pBuy: new Buckets(TELEMETRY_BOUNDS.pBuy),
        }),
        MAX_PREDICTED_SERIES
      )
    if (series) {
      for (const v of batch.values) {
        series.expected.add(v.expected)
        series.pBuy.add(v.pBuy)
      }
    }
    if (batch.variant !== 'shadow') this.scored += batch.values.length
  }

  /** A model failed on a batch (a shadow's failure never reaches the response). */
  scoringFailed(modelVersion: string, variant: Variant, customers: number): void {
    this.open()
    const counts = this.countsOf(modelVersion, variant)
    if (counts) counts.errors += customers
  }

  /**
   * Each scored customer's features: vectors in the order of `names` (the scorer's spec), or rows
   * by name as sent. A feature `profiled` has bounds for is bucketed by them in a series of that
   * model version, so it compares with the model's training histogram; any other (a model without
   * a profile, a categorical feature) by TELEMETRY_BOUNDS.feature in the spec version's series.
   * The series are looked up once per batch, not once per value.
   */
  featureVectors(
    featureSpecVersion: string,
    names: readonly string[],
    rows: readonly FeatureValues[],
    profiled: ProfiledModel | null = null
  ): void {
    if (!rows.length) return
    this.open()
    names.forEach((name, j) => {
      const bounds = profiled?.bounds.get(name)
      const modelVersion = bounds ? profiled!.modelVersion : undefined
      const key = `${featureSpecVersion}\u0000${modelVersion ?? ''}\u0000${name}`
      const series =
        this.features.get(key) ??
        this.capped(
          this.features,
          key,
          () => ({
            featureSpecVersion,
            ...(modelVersion === undefined ? {} : { modelVersion }),
            name,
            numeric: new Buckets(bounds ?? TELEMETRY_BOUNDS.feature),
            categories: new Map<string, number>(),
          }),
          MAX_FEATURES,
          rows.length
        )
      if (!series) return
      for (const row of rows) {
        const value = Array.isArray(row)
          ? (row as readonly (number | string)[])[j]
          : (row as Readonly<Record<string, number | string>>)[name]
        if (typeof value === 'number') series.numeric.add(value)
        else if (value !== undefined) this.category(series.categories, value)
      }
    })
  }

  /**
   * A beacon POST /v1/beacon answered; an accepted one's series are summed into this window's
   * (checked by WidgetBeaconSchema, so every count array has the length of its bounds).
   */
  beacon(result: WidgetBeaconResult, series: readonly WidgetBeaconSeries[] = []): void {
    this.open()
    this.beacons.set(result, (this.beacons.get(result) ?? 0) + 1)
    for (const s of series) {
      const key = widgetSeriesKey(s)
      const sum =
        this.widgetSeries.get(key) ??
        this.capped(
          this.widgetSeries,
          key,
          () => emptyWidgetSeries(s.modelVersion, s.variant, s.outcome),
          MAX_WIDGET_SERIES,
          s.n
        )
      if (!sum) continue
      sum.n += s.n
      s.latencyMs.forEach((n, i) => (sum.latencyMs[i]! += n))
      s.expected.forEach((n, i) => (sum.expected[i]! += n))
    }
  }

  /**
   * After a response: when the window is due, drains it and returns the POSTs (windows kept from
   * failed flushes first, then this one) for the caller to hand to ctx.waitUntil; null when
   * nothing is due. The promise never rejects.
   */
  flushIfDue(target: TelemetryTarget | null): Promise<void> | null {
    if (!target || this.windowStart === null) return null
    const age = this.now() - this.windowStart
    if (age < target.flushMs && this.scored < target.flushPredictions) return null
    this.unsent.push(this.drain())
    return this.sendUnsent(target)
  }

  /** Windows waiting for a resend (tests, and the worker's own health). */
  get unsentWindows(): number {
    return this.unsent.length
  }

  /**
   * Sends the kept windows in order; at the first one to fail for a reason that may pass, keeps it
   * and the rest for the next flush. Taken out of `unsent` while sending, so two flushes at once
   * never send the same window twice.
   */
  private async sendUnsent(target: TelemetryTarget): Promise<void> {
    const queue = this.unsent
    this.unsent = []
    for (let i = 0; i < queue.length; i++) {
      if ((await this.post(target, queue[i]!)) === 'retry') {
        this.unsent = [...queue.slice(i), ...this.unsent]
        break
      }
    }
    while (this.unsent.length > MAX_UNSENT) {
      this.unsent.shift()
      this.dropped.flushFailures++
    }
  }

  /** The current window as a payload; starts a new one. */
  drain(): TelemetryPayload {
    const end = this.now()
    const start = this.windowStart ?? end
    const serving = this.serving().slice(0, TELEMETRY_LIMITS.serving)
    const payload: TelemetryPayload = {
      schema: TELEMETRY_SCHEMA,
      source: { worker: 'fcv-edge', isolate: this.isolate, colo: this.colo },
      window: { start: new Date(start).toISOString(), end: new Date(end).toISOString() },
      requests: [...this.requests].map(([outcome, n]) => ({ outcome, n })),
      predictions: [...this.predictions.values()].map((p) => ({ ...p })),
      latencyMs: this.latency.snapshot(),
      predicted: [...this.predicted.values()].map((p) => ({
        modelVersion: p.modelVersion,
        variant: p.variant,
        expected: p.expected.snapshot(),
        pBuy: p.pBuy.snapshot(),
      })),
      features: [...this.features.values()].map((f) => ({
        featureSpecVersion: f.featureSpecVersion,
        ...(f.modelVersion === undefined ? {} : { modelVersion: f.modelVersion }),
        name: f.name,
        numeric: f.numeric.snapshot(),
        categories: Object.fromEntries(f.categories),
      })),
      dropped: { ...this.dropped },
      // Only when there were beacons: without them the report is what older receivers accept.
      ...(this.beacons.size
        ? {
            widget: {
              beacons: [...this.beacons].map(([outcome, n]) => ({ outcome, n })),
              bounds: {
                latencyMs: [...WIDGET_BEACON_BOUNDS.latencyMs],
                expected: [...WIDGET_BEACON_BOUNDS.expected],
              },
              series: [...this.widgetSeries.values()],
            },
          }
        : {}),
      // Only once the isolate serves something: an empty list says nothing, and older receivers
      // take the report without it.
      ...(serving.length ? { serving: serving.map((s) => ({ ...s })) } : {}),
    }
    this.windowStart = null
    this.requests = new Map()
    this.predictions = new Map()
    this.latency = new Buckets(TELEMETRY_BOUNDS.latencyMs)
    this.predicted = new Map()
    this.features = new Map()
    this.beacons = new Map()
    this.widgetSeries = new Map()
    this.scored = 0
    this.dropped = { series: 0, categories: 0, flushFailures: 0 }
    return payload
  }

  private async post(
    target: TelemetryTarget,
    payload: TelemetryPayload
  ): Promise<'sent' | 'refused' | 'retry'> {
    try {
      const res = await this.send(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
        },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(10_000),
      })
      await res.body?.cancel()
      if (res.ok) return 'sent'
      if (!REFUSED.has(res.status)) return 'retry'
      this.dropped.flushFailures++
      return 'refused'
    } catch {
      return 'retry'
    }
  }

  /** The prediction counts of a model version and variant; undefined past the series cap. */
  private countsOf(modelVersion: string, variant: Variant) {
    const key = `${variant}\u0000${modelVersion}`
    return (
      this.predictions.get(key) ??
      this.capped(this.predictions, key, () => ({ modelVersion, variant, n: 0, errors: 0 }))
    )
  }

  /** `misses`: the values that go uncounted when the series cannot be kept. */
  private capped<V>(
    map: Map<string, V>,
    key: string,
    create: () => V,
    max = 64,
    misses = 1
  ): V | undefined {
    if (map.size >= max) {
      this.dropped.series += misses
      return undefined
    }
    const value = create()
    map.set(key, value)
    return value
  }

  private category(categories: Map<string, number>, value: string): void {
    const key = categories.has(value) || categories.size < MAX_CATEGORIES ? value : OTHER
    if (key === OTHER) this.dropped.categories++
    categories.set(key, (categories.get(key) ?? 0) + 1)
  }
}
