import type { TelemetryPayload } from '@fcv/core'
import { Counter, Gauge, type Registry } from 'prom-client'
import { CappedCounter } from './capped-counter.ts'
import { msToSeconds, PrebucketedHistogram, type AddResult } from './histogram.ts'
import { RecentKeys, RecentReporters } from './recent.ts'
import { WidgetMetrics } from './widget-metrics.ts'

// The edge workers' telemetry reports, summed into fcv_edge_* metrics on the control plane's
// registry (and the widget beacons they carry into fcv_widget_*, widget-metrics.ts). Memory is bounded whatever clients send: every family keeps at most maxSeries label
// sets (a new one beyond is dropped and counted as dropped{kind="labels"}), category values are
// folded into "__other__" when too long, odd or too many per feature (dropped{kind=
// "category_labels"}), and the duplicate and isolate memories are fixed-size.

export interface EdgeTelemetryOptions {
  /** Label sets per metric family. */
  maxSeries?: number
  /** Distinct category values per feature; more are counted as "__other__". */
  maxCategoriesPerFeature?: number
  /** Longer category values are counted as "__other__". */
  maxCategoryLength?: number
  /** Report keys (isolate, window) remembered to answer a retried report as a duplicate. */
  rememberReports?: number
  /** fcv_edge_isolates_reporting counts the isolates seen within this long. */
  isolateWindowMs?: number
  /** Isolates remembered for that gauge. */
  maxIsolates?: number
  now?: () => number
}

export const OTHER = '__other__'
export const EMPTY = '__empty__'
export const REJECT_REASONS = [
  'unauthenticated',
  'forbidden',
  'invalid',
  'too_large',
  'duplicate',
  'bounds_changed',
] as const
export type RejectReason = (typeof REJECT_REASONS)[number]
const DROP_KINDS = ['series', 'categories', 'flush_failures', 'labels', 'category_labels'] as const

export class EdgeTelemetry {
  private readonly o: Required<EdgeTelemetryOptions>
  private readonly reports: Counter
  private readonly rejects: Counter<'reason'>
  private readonly dropped: Counter<'kind'>
  private readonly lastReport: Gauge
  private readonly requests: CappedCounter<'outcome'>
  private readonly predictions: CappedCounter<'model_version' | 'variant'>
  private readonly errors: CappedCounter<'model_version' | 'variant'>
  private readonly categories: CappedCounter<'feature_spec' | 'feature' | 'category'>
  private readonly duration: PrebucketedHistogram<never>
  private readonly predictedValue: PrebucketedHistogram<'model_version' | 'variant'>
  private readonly predictedPBuy: PrebucketedHistogram<'model_version' | 'variant'>
  private readonly feature: PrebucketedHistogram<'feature_spec' | 'feature' | 'model_version'>
  /** Category values kept per feature (only those the family accepted, so bounded by maxSeries). */
  private readonly categoryValues = new Map<string, Set<string>>()
  private readonly recentReports: RecentKeys
  private readonly isolates: RecentReporters
  private readonly widget: WidgetMetrics

  constructor(registry: Registry, options: EdgeTelemetryOptions = {}) {
    const o = (this.o = {
      maxSeries: 500,
      maxCategoriesPerFeature: 32,
      maxCategoryLength: 64,
      rememberReports: 10_000,
      isolateWindowMs: 5 * 60_000,
      maxIsolates: 10_000,
      now: Date.now,
      ...options,
    })
    const registers = [registry]
    this.recentReports = new RecentKeys(o.rememberReports)
    this.isolates = new RecentReporters(o.isolateWindowMs, o.maxIsolates)
    this.reports = new Counter({
      name: 'fcv_edge_telemetry_reports_total',
      help: 'Edge telemetry reports counted (duplicates are not)',
      registers,
    })
    this.rejects = new Counter({
      name: 'fcv_edge_telemetry_rejected_total',
      help: 'Edge telemetry not counted, by reason: unauthenticated, forbidden, invalid, too_large, duplicate (a retried report); bounds_changed counts series restarted because a report had incompatible bucket bounds',
      labelNames: ['reason'],
      registers,
    })
    this.dropped = new Counter({
      name: 'fcv_edge_telemetry_dropped_total',
      help: 'Edge telemetry lost, by kind: series, categories, flush_failures as the workers report them; labels (series over the receiver cap) and category_labels (values folded into __other__ by the receiver)',
      labelNames: ['kind'],
      registers,
    })
    for (const reason of REJECT_REASONS) this.rejects.inc({ reason }, 0)
    for (const kind of DROP_KINDS) this.dropped.inc({ kind }, 0)
    this.lastReport = new Gauge({
      name: 'fcv_edge_last_report_timestamp_seconds',
      help: 'When the last edge telemetry report was counted (Unix time)',
      registers,
    })
    const isolates = this.isolates
    new Gauge({
      name: 'fcv_edge_isolates_reporting',
      help: `Distinct edge isolates that reported in the last ${o.isolateWindowMs / 1000} s`,
      registers,
      collect() {
        this.set(isolates.count(o.now()))
      },
    })
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new CappedCounter(registry, { name, help, labelNames }, o.maxSeries)
    const histogram = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new PrebucketedHistogram({ name, help, labelNames, registry, maxSeries: o.maxSeries })
    const model: ('model_version' | 'variant')[] = ['model_version', 'variant']
    this.requests = counter(
      'fcv_edge_requests_total',
      'Edge POST /v1/predict requests by outcome',
      ['outcome']
    )
    this.predictions = counter(
      'fcv_edge_predictions_total',
      'Customers scored at the edge, by model version and variant',
      model
    )
    this.errors = counter(
      'fcv_edge_prediction_errors_total',
      'Customers a model failed to score at the edge, by model version and variant',
      model
    )
    this.categories = counter(
      'fcv_edge_feature_category_total',
      'Values of categorical input features at the edge (rare or odd values as __other__, "" as __empty__)',
      ['feature_spec', 'feature', 'category']
    )
    this.duration = histogram<never>(
      'fcv_edge_request_duration_seconds',
      'Wall time of edge POST /v1/predict (the workers report milliseconds)',
      []
    )
    this.predictedValue = histogram(
      'fcv_edge_predicted_value',
      'Predicted value per customer at the edge, by model version and variant',
      model
    )
    this.predictedPBuy = histogram(
      'fcv_edge_predicted_pbuy_ratio',
      'Predicted probability of buying (a ratio, 0..1) at the edge, by model version and variant',
      model
    )
    // model_version: the model whose training profile bounds the Worker bucketed by (so each
    // version's series keeps its own bounds, and compares with that profile for drift); "" (no
    // label in the exposition) for the fixed bounds every model without a profile shares. Its
    // series are bounded like every family's, by maxSeries (26 per version for spec v2).
    this.feature = histogram(
      'fcv_edge_feature',
      "Numeric input feature values at the edge, by feature spec version and name; model_version when bucketed by that model's training profile",
      ['feature_spec', 'feature', 'model_version']
    )
    this.widget = new WidgetMetrics(registry, o.maxSeries, {
      counted: (kept) => {
        if (!kept) this.dropped.inc({ kind: 'labels' })
      },
      observed: (result) => this.observe(result),
    })
  }

  /** A report refused before it was read (counted by the route). */
  rejected(reason: RejectReason): void {
    this.rejects.inc({ reason })
  }

  /**
   * Counts a valid report, once: a retry (same isolate and window) is a duplicate and counts
   * nothing. Synchronous, so two concurrent copies cannot both count.
   */
  ingest(p: TelemetryPayload): { duplicate: boolean } {
    const key = JSON.stringify([p.source.isolate, p.window.start, p.window.end])
    if (this.recentReports.seen(key)) {
      this.rejected('duplicate')
      return { duplicate: true }
    }
    this.record(p)
    return { duplicate: false }
  }

  /**
   * Counts a report known to be new: the durable store (store.ts) calls it once the report's
   * transaction committed, which decides duplicates across replicas.
   */
  record(p: TelemetryPayload): void {
    const now = this.o.now()
    this.reports.inc()
    this.isolates.report(p.source.isolate, now)
    this.lastReport.set(now / 1000)

    for (const r of p.requests) this.count(this.requests, { outcome: r.outcome }, r.n)
    for (const x of p.predictions) {
      const labels = { model_version: x.modelVersion, variant: x.variant }
      this.count(this.predictions, labels, x.n)
      this.count(this.errors, labels, x.errors)
    }
    this.observe(this.duration.add({}, msToSeconds(p.latencyMs)))
    for (const x of p.predicted) {
      const labels = { model_version: x.modelVersion, variant: x.variant }
      this.observe(this.predictedValue.add(labels, x.expected))
      this.observe(this.predictedPBuy.add(labels, x.pBuy))
    }
    for (const f of p.features) {
      const labels = {
        feature_spec: f.featureSpecVersion,
        feature: f.name,
        model_version: f.modelVersion ?? '',
      }
      this.observe(this.feature.add(labels, f.numeric))
      for (const [value, n] of Object.entries(f.categories)) {
        if (n > 0) this.category(f.featureSpecVersion, f.name, value, n)
      }
    }
    this.dropped.inc({ kind: 'series' }, p.dropped.series)
    this.dropped.inc({ kind: 'categories' }, p.dropped.categories)
    this.dropped.inc({ kind: 'flush_failures' }, p.dropped.flushFailures)
    if (p.widget) this.widget.ingest(p.widget)
  }

  private count<L extends string>(c: CappedCounter<L>, labels: Record<L, string>, n: number) {
    if (!c.inc(labels, n)) this.dropped.inc({ kind: 'labels' })
  }

  private observe(result: AddResult): void {
    if (result === 'dropped') this.dropped.inc({ kind: 'labels' })
    else if (result === 'restarted') this.rejected('bounds_changed')
  }

  private category(spec: string, feature: string, raw: string, n: number): void {
    const featureKey = JSON.stringify([spec, feature])
    const kept = this.categoryValues.get(featureKey)
    let category = raw === '' ? EMPTY : raw
    if (
      category !== OTHER &&
      !kept?.has(category) &&
      ((kept?.size ?? 0) >= this.o.maxCategoriesPerFeature ||
        category.length > this.o.maxCategoryLength ||
        /\p{Cc}/u.test(category))
    ) {
      category = OTHER
      this.dropped.inc({ kind: 'category_labels' }, n)
    }
    const labels = { feature_spec: spec, feature, category }
    if (!this.categories.inc(labels, n)) {
      this.dropped.inc({ kind: 'labels' })
      return
    }
    if (category === OTHER) return
    if (kept) kept.add(category)
    else this.categoryValues.set(featureKey, new Set([category]))
  }
}
