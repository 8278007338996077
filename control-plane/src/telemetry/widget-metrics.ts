import { WIDGET_BEACON_RESULTS, type WidgetTelemetry } from '@fcv/core'
import { Counter, type Registry } from 'prom-client'
import { CappedCounter } from './capped-counter.ts'
import { msToSeconds, PrebucketedHistogram, type AddResult } from './histogram.ts'

// The storefront widgets' beacons, as the edge workers sum them into their reports (the report's
// `widget` section), in fcv_widget_* metrics. A beacon holds counts per bucket and no sums (a sum
// over one call would be that customer's prediction), so the histograms have buckets and
// `_count` but no `_sum`: use histogram_quantile and bucket ratios, not averages.

/** model_version of calls made without a model (the beacon's null). */
export const NO_MODEL = '__none__'

type SeriesLabel = 'model_version' | 'variant' | 'outcome'

/** Where the edge receiver counts what did not fit. */
export interface WidgetMetricsReport {
  /** A counter's label set was kept (false: over the family's cap, nothing counted). */
  counted(kept: boolean): void
  observed(result: AddResult): void
}

export class WidgetMetrics {
  private readonly beacons: Counter<'outcome'>
  private readonly scores: CappedCounter<SeriesLabel>
  private readonly duration: PrebucketedHistogram<SeriesLabel>
  private readonly predictedValue: PrebucketedHistogram<'model_version' | 'variant'>
  private readonly report: WidgetMetricsReport

  constructor(registry: Registry, maxSeries: number, report: WidgetMetricsReport) {
    this.report = report
    this.beacons = new Counter({
      name: 'fcv_widget_beacons_total',
      help: 'Widget beacons the edge workers answered: accepted, or refused as bad_request, too_large or rate_limited',
      labelNames: ['outcome'],
      registers: [registry],
    })
    for (const outcome of WIDGET_BEACON_RESULTS) this.beacons.inc({ outcome }, 0)
    const series: SeriesLabel[] = ['model_version', 'variant', 'outcome']
    this.scores = new CappedCounter(
      registry,
      {
        name: 'fcv_widget_scores_total',
        help: `Score calls in storefront widgets, by model version (${NO_MODEL} without a model, __other__ for one the edge never served), variant and outcome`,
        labelNames: series,
      },
      maxSeries
    )
    this.duration = new PrebucketedHistogram({
      name: 'fcv_widget_score_duration_seconds',
      help: 'Time from a widget score call to its prediction, in the browser (the beacons report milliseconds; no _sum)',
      labelNames: series,
      registry,
      maxSeries,
    })
    this.predictedValue = new PrebucketedHistogram({
      name: 'fcv_widget_predicted_value',
      help: 'Predicted value per customer scored in storefront widgets, by model version and variant (no _sum)',
      labelNames: ['model_version', 'variant'],
      registry,
      maxSeries,
    })
  }

  ingest(w: WidgetTelemetry): void {
    for (const b of w.beacons) this.beacons.inc({ outcome: b.outcome }, b.n)
    for (const s of w.series) {
      const model_version = s.modelVersion ?? NO_MODEL
      const labels = { model_version, variant: s.variant, outcome: s.outcome }
      this.report.counted(this.scores.inc(labels, s.n))
      const latency = { bounds: w.bounds.latencyMs, counts: s.latencyMs, sum: null }
      this.report.observed(this.duration.add(labels, msToSeconds(latency)))
      // Only outcome ok has values; the others' are all zero, which adds nothing ('empty').
      const values = { bounds: w.bounds.expected, counts: s.expected, sum: null }
      this.report.observed(this.predictedValue.add({ model_version, variant: s.variant }, values))
    }
  }
}
