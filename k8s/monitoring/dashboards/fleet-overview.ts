// "fcv fleet overview": what the edge Workers and browser widgets serve, how well, and whether the
// live traffic still looks like the training data. Counters are per control-plane replica (a report
// is counted by exactly one), so they are summed; the drift and serving gauges are computed from
// PostgreSQL and the same on every replica, so they take max.

import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import {
  bars,
  bucketHeatmap,
  datasourceVariable,
  labelVariable,
  numbered,
  series,
  stats,
} from './panels.ts'

const MV = 'model_version=~"$model_version"'
const CH = 'channel=~"$channel"'
const RATE = '[$__rate_interval]'
const QUANTILES = [0.5, 0.95, 0.99] as const

/** p50, p95 and p99 of a histogram, summed over replicas by `by` and le. */
function quantiles(bucket: string, by: string[], legend: string) {
  const labels = ['le', ...by].join(', ')
  return QUANTILES.map(
    (q) =>
      [
        `histogram_quantile(${q}, sum by (${labels}) (rate(${bucket}${RATE})))`,
        `p${q * 100} ${legend}`.trim(),
      ] as const
  )
}

const PSI_THRESHOLDS = [
  [null, 'green'],
  [0.1, 'yellow'],
  [0.2, 'red'],
] as const

export function fleetOverview(): dashboard.Dashboard {
  const d = new dashboard.DashboardBuilder('fcv fleet overview')
    .uid('fcv-fleet-overview')
    .description(
      'Predictions served at the edge and in the browser: volume, latency, errors against the SLOs, the distribution of predictions, drift against the training profile, stale versions and telemetry health.'
    )
    .tags(['fcv'])
    .editable()
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .withVariable(datasourceVariable())
    .withVariable(
      new dashboard.CustomVariableBuilder('channel')
        .label('Channel')
        .values('edge,widget')
        .multi(true)
        .includeAll(true)
        .allValue('.*')
        .current({ text: 'All', value: '$__all' })
    )
    .withVariable(
      labelVariable(
        'model_version',
        'Model version',
        'label_values(fcv_edge_predictions_total, model_version)'
      )
    )

  d.withRow(new dashboard.RowBuilder('Prediction volume'))
    .withPanel(
      series({
        title: 'Edge requests by outcome',
        description:
          'POST /v1/predict requests per second at the edge Workers, by outcome (ok, bad_request, too_large, no_model, unavailable, error), summed over control-plane replicas.',
        unit: 'reqps',
        width: 8,
        stacked: true,
        queries: [[`sum by (outcome) (rate(fcv_edge_requests_total${RATE}))`, '{{outcome}}']],
      })
    )
    .withPanel(
      series({
        title: 'Customers scored at the edge',
        description:
          'Customers scored per second at the edge (a request can score many), by model version and variant (champion, canary, shadow).',
        unit: 'short',
        width: 8,
        stacked: true,
        queries: [
          [
            `sum by (model_version, variant) (rate(fcv_edge_predictions_total{${MV}}${RATE}))`,
            '{{model_version}} {{variant}}',
          ],
        ],
      })
    )
    .withPanel(
      series({
        title: 'Widget score calls',
        description:
          'Score calls per second in browser widgets (from their beacons), by model version and outcome.',
        unit: 'reqps',
        width: 8,
        stacked: true,
        queries: [
          [
            `sum by (model_version, outcome) (rate(fcv_widget_scores_total{${MV}}${RATE}))`,
            '{{model_version}} {{outcome}}',
          ],
        ],
      })
    )

  d.withRow(new dashboard.RowBuilder('Latency'))
    .withPanel(
      series({
        title: 'Edge request latency',
        description:
          'p50, p95 and p99 of the edge Workers\u2019 request duration. The dashed line is the latency SLO bound: 99 % of requests within 0.25 s.',
        unit: 's',
        thresholds: [
          [null, 'green'],
          [0.25, 'red'],
        ],
        queries: quantiles('fcv_edge_request_duration_seconds_bucket', [], ''),
      })
    )
    .withPanel(
      series({
        title: 'Widget score latency',
        description:
          'p50, p95 and p99 of the time a browser widget takes to score, by model version (from beacons; all outcomes).',
        unit: 's',
        queries: quantiles(
          `fcv_widget_score_duration_seconds_bucket{${MV}}`,
          ['model_version'],
          '{{model_version}}'
        ),
      })
    )

  d.withRow(new dashboard.RowBuilder('Errors and SLO burn'))
    .withPanel(
      series({
        title: 'Edge server-error ratio',
        description:
          'Share of edge requests with a server error (outcome error, unavailable or no_model) over 5 minutes and 1 hour (recording rules). The dashed line is the availability SLO: 99.9 %.',
        unit: 'percentunit',
        width: 8,
        thresholds: [
          [null, 'green'],
          [0.001, 'red'],
        ],
        queries: [
          ['fcv:edge_request_errors:ratio_rate5m', '5m'],
          ['fcv:edge_request_errors:ratio_rate1h', '1h'],
        ],
      })
    )
    .withPanel(
      series({
        title: 'Error budget burn rate',
        description:
          'How fast the 30-day error budget (0.1 %) is spent, per alert window: 1 spends it in exactly 30 days. Pages at 14.4 (1h and 5m) or 6 (6h and 30m), tickets at 3 (1d and 2h) or 1 (3d and 6h).',
        unit: 'short',
        width: 8,
        thresholds: [
          [null, 'green'],
          [1, 'yellow'],
          [6, 'orange'],
          [14.4, 'red'],
        ],
        queries: ['1h', '6h', '1d', '3d'].map(
          (w) => [`fcv:edge_request_errors:ratio_rate${w} / 0.001`, w] as const
        ),
      })
    )
    .withPanel(
      series({
        title: 'Latency budget burn rate',
        description:
          'How fast the 30-day latency budget (1 % of requests slower than 0.25 s) is spent, per alert window; same thresholds as the error budget.',
        unit: 'short',
        width: 8,
        thresholds: [
          [null, 'green'],
          [1, 'yellow'],
          [6, 'orange'],
          [14.4, 'red'],
        ],
        queries: ['1h', '6h', '1d', '3d'].map(
          (w) => [`fcv:edge_request_slow:ratio_rate${w} / 0.01`, w] as const
        ),
      })
    )
    .withPanel(
      series({
        title: 'Edge prediction error ratio',
        description:
          'Share of customers a model version failed to score at the edge over 5 minutes (recording rule). A ticket is raised above 1 % for 10 minutes.',
        unit: 'percentunit',
        thresholds: [
          [null, 'green'],
          [0.01, 'red'],
        ],
        queries: [
          [`fcv:edge_prediction_errors:ratio_rate5m{${MV}}`, '{{model_version}} {{variant}}'],
        ],
      })
    )
    .withPanel(
      series({
        title: 'Widget score failure ratio',
        description: 'Share of widget score calls whose outcome is not ok, by model version.',
        unit: 'percentunit',
        thresholds: [
          [null, 'green'],
          [0.01, 'red'],
        ],
        queries: [
          [
            // A version with no failure has no failing series: 0, not a gap ("or ... * 0").
            `(sum by (model_version) (rate(fcv_widget_scores_total{outcome!="ok", ${MV}}${RATE}))` +
              ` or sum by (model_version) (rate(fcv_widget_scores_total{${MV}}${RATE})) * 0)` +
              ` / sum by (model_version) (rate(fcv_widget_scores_total{${MV}}${RATE}))`,
            '{{model_version}}',
          ],
        ],
      })
    )

  d.withRow(new dashboard.RowBuilder('Predictions by model version and channel'))
    .withPanel(
      series({
        title: 'Predictions by channel and model version',
        description:
          'Customers scored per second at the edge and successful widget scores per second, by model version.',
        unit: 'short',
        stacked: true,
        queries: [
          [
            `label_replace(sum by (model_version) (rate(fcv_edge_predictions_total{${MV}}${RATE})), "channel", "edge", "", "")`,
            'edge {{model_version}}',
          ],
          [
            `label_replace(sum by (model_version) (rate(fcv_widget_scores_total{outcome="ok", ${MV}}${RATE})), "channel", "widget", "", "")`,
            'widget {{model_version}}',
          ],
        ],
      })
    )
    .withPanel(
      bars({
        title: 'Predictions in the time range',
        description:
          'Edge customers scored and successful widget scores over the selected time range, by model version and variant.',
        unit: 'short',
        queries: [
          [
            `sum by (model_version, variant) (increase(fcv_edge_predictions_total{${MV}}[$__range]))`,
            'edge {{model_version}} {{variant}}',
          ],
          [
            `sum by (model_version, variant) (increase(fcv_widget_scores_total{outcome="ok", ${MV}}[$__range]))`,
            'widget {{model_version}} {{variant}}',
          ],
        ],
      })
    )

  d.withRow(new dashboard.RowBuilder('Predicted value and P(buy)'))
    .withPanel(
      series({
        title: 'Predicted 90-day value at the edge',
        description:
          'Quantiles (from histogram buckets) and the mean of the predicted 90-day spend at the edge, in major currency units, by model version.',
        unit: 'short',
        width: 8,
        queries: [
          ...quantiles(
            `fcv_edge_predicted_value_bucket{${MV}}`,
            ['model_version'],
            '{{model_version}}'
          ),
          [
            `sum by (model_version) (rate(fcv_edge_predicted_value_sum{${MV}}${RATE}))` +
              ` / sum by (model_version) (rate(fcv_edge_predicted_value_count{${MV}}${RATE}))`,
            'mean {{model_version}}',
          ],
        ],
      })
    )
    .withPanel(
      series({
        title: 'Predicted 90-day value in widgets',
        description:
          'Quantiles of the predicted 90-day spend in browser widgets, by model version (beacons carry buckets, no sum, so no mean).',
        unit: 'short',
        width: 8,
        queries: quantiles(
          `fcv_widget_predicted_value_bucket{${MV}}`,
          ['model_version'],
          '{{model_version}}'
        ),
      })
    )
    .withPanel(
      series({
        title: 'P(buy) at the edge',
        description:
          'Quantiles and mean of the predicted probability that a customer buys in the next 90 days, by model version.',
        unit: 'percentunit',
        width: 8,
        min: 0,
        max: 1,
        queries: [
          ...quantiles(
            `fcv_edge_predicted_pbuy_ratio_bucket{${MV}}`,
            ['model_version'],
            '{{model_version}}'
          ),
          [
            `sum by (model_version) (rate(fcv_edge_predicted_pbuy_ratio_sum{${MV}}${RATE}))` +
              ` / sum by (model_version) (rate(fcv_edge_predicted_pbuy_ratio_count{${MV}}${RATE}))`,
            'mean {{model_version}}',
          ],
        ],
      })
    )
    .withPanel(
      bucketHeatmap({
        title: 'Edge predicted value buckets',
        description:
          'How many edge predictions fell in each value bucket (upper bound on the y axis) per interval.',
        unit: 'short',
        width: 8,
        queries: [
          [`sum by (le) (increase(fcv_edge_predicted_value_bucket{${MV}}${RATE}))`, '{{le}}'],
        ],
      })
    )
    .withPanel(
      bars({
        title: 'Widget predicted value buckets',
        description:
          'Widget predictions per value bucket (upper bound) over the selected time range; non-cumulative counts.',
        unit: 'short',
        width: 8,
        buckets: true,
        queries: [
          [`sum by (le) (increase(fcv_widget_predicted_value_bucket{${MV}}[$__range]))`, '{{le}}'],
        ],
      })
    )
    .withPanel(
      bucketHeatmap({
        title: 'Edge P(buy) buckets',
        description: 'How many edge predictions fell in each P(buy) bucket per interval.',
        unit: 'percentunit',
        width: 8,
        queries: [
          [`sum by (le) (increase(fcv_edge_predicted_pbuy_ratio_bucket{${MV}}${RATE}))`, '{{le}}'],
        ],
      })
    )

  d.withRow(new dashboard.RowBuilder('Drift'))
    .withPanel(
      series({
        title: 'Feature drift (PSI)',
        description:
          'Population stability index of each live feature histogram over the drift window against the training profile. Above 0.2 (dashed) with at least 200 observations for 30 minutes raises FcvDriftHigh.',
        unit: 'short',
        min: 0,
        thresholds: PSI_THRESHOLDS,
        queries: [
          [
            `max by (channel, model_version, feature) (fcv_drift_psi{${CH}, ${MV}})`,
            '{{channel}} {{model_version}} {{feature}}',
          ],
        ],
      })
    )
    .withPanel(
      bars({
        title: 'Feature drift now (PSI)',
        description: 'The latest PSI per feature; red above 0.2.',
        unit: 'short',
        min: 0,
        thresholds: PSI_THRESHOLDS,
        queries: [
          [
            `max by (channel, model_version, feature) (fcv_drift_psi{${CH}, ${MV}})`,
            '{{channel}} {{model_version}} {{feature}}',
          ],
        ],
      })
    )
    .withPanel(
      series({
        title: 'Prediction drift (PSI)',
        description:
          'PSI of the predicted value and P(buy) histograms over the drift window against the training predictions; above 0.2 (dashed) raises FcvPredictionDriftHigh.',
        unit: 'short',
        width: 8,
        min: 0,
        thresholds: PSI_THRESHOLDS,
        queries: [
          [
            `max by (channel, model_version, output) (fcv_drift_prediction_psi{${CH}, ${MV}})`,
            '{{channel}} {{model_version}} {{output}}',
          ],
        ],
      })
    )
    .withPanel(
      series({
        title: 'Prediction mean / training mean',
        description:
          'Live mean prediction over the training mean (edge only: widget beacons carry no sums). Outside 0.8 .. 1.25 raises FcvPredictionMeanShifted.',
        unit: 'short',
        width: 8,
        thresholds: [
          [null, 'red'],
          [0.8, 'green'],
          [1.25, 'red'],
        ],
        queries: [
          [
            `max by (channel, model_version, output) (fcv_drift_prediction_mean_ratio{${CH}, ${MV}})`,
            '{{channel}} {{model_version}} {{output}}',
          ],
        ],
      })
    )
    .withPanel(
      series({
        title: 'Drift window observations',
        description:
          'Live observations in the drift window; the drift alerts need at least 200 (dashed) before they trust the PSI.',
        unit: 'short',
        width: 8,
        thresholds: [
          [null, 'orange'],
          [200, 'green'],
        ],
        queries: [
          [
            `max by (channel, model_version) (fcv_drift_window_observations{${CH}, ${MV}})`,
            '{{channel}} {{model_version}}',
          ],
        ],
      })
    )

  d.withRow(new dashboard.RowBuilder('Staleness'))
    .withPanel(
      series({
        title: 'Reporters by serving version',
        description:
          'Edge isolates (channel edge) or widget beacon series (channel widget) that reported serving each version in the staleness window. current="false": the version is no longer the channel\u2019s champion, canary or shadow.',
        unit: 'short',
        stacked: true,
        queries: [
          [
            `max by (channel, model_version, current) (fcv_serving_reporters{${CH}})`,
            '{{channel}} {{model_version}} current={{current}}',
          ],
        ],
      })
    )
    .withPanel(
      series({
        title: 'Stale version served for',
        description:
          'How long a version no longer deployed on the channel has still been reported since the deployment changed (0 when none). Above 600 s (dashed) for 5 minutes pages (FcvStaleVersionServing).',
        unit: 's',
        min: 0,
        thresholds: [
          [null, 'green'],
          [600, 'red'],
        ],
        queries: [[`max by (channel) (fcv_serving_stale_seconds{${CH}})`, '{{channel}}']],
      })
    )

  d.withRow(new dashboard.RowBuilder('Telemetry health'))
    .withPanel(
      series({
        title: 'Edge telemetry reports',
        description:
          'Telemetry reports accepted per second, and rejected ones by reason (duplicates are resends of a report already stored: harmless).',
        unit: 'reqps',
        width: 8,
        queries: [
          [`sum(rate(fcv_edge_telemetry_reports_total${RATE}))`, 'accepted'],
          [
            `sum by (reason) (rate(fcv_edge_telemetry_rejected_total${RATE}))`,
            'rejected {{reason}}',
          ],
        ],
      })
    )
    .withPanel(
      series({
        title: 'Telemetry dropped',
        description:
          'Telemetry the Workers had to drop (per second, by kind), e.g. when a window outgrew its limits: any for 30 minutes raises FcvTelemetryDropped.',
        unit: 'short',
        width: 8,
        thresholds: [
          [null, 'green'],
          [0.000001, 'red'],
        ],
        queries: [[`sum by (kind) (rate(fcv_edge_telemetry_dropped_total${RATE}))`, '{{kind}}']],
      })
    )
    .withPanel(
      series({
        title: 'Widget beacons',
        description:
          'Widget beacons per second by outcome (accepted, bad_request, too_large, rate_limited).',
        unit: 'reqps',
        width: 8,
        stacked: true,
        queries: [[`sum by (outcome) (rate(fcv_widget_beacons_total${RATE}))`, '{{outcome}}']],
      })
    )
    .withPanel(
      stats({
        title: 'Isolates reporting',
        description:
          'Distinct edge isolates that reported recently, summed over replicas (an isolate whose reports reached two replicas counts twice).',
        unit: 'short',
        thresholds: [
          [null, 'red'],
          [1, 'green'],
        ],
        queries: [['sum(fcv_edge_isolates_reporting)', 'isolates']],
      })
    )
    .withPanel(
      stats({
        title: 'Since the last edge report',
        description: 'Seconds since the last edge telemetry report reached any replica.',
        unit: 's',
        thresholds: [
          [null, 'green'],
          [300, 'orange'],
          [900, 'red'],
        ],
        queries: [['time() - max(fcv_edge_last_report_timestamp_seconds)', 'since last report']],
      })
    )
    .withPanel(
      series({
        title: 'Telemetry store: pending reports',
        description:
          'Reports waiting to be written to PostgreSQL, per replica. Above 1000 for 10 minutes raises FcvTelemetryStoreBacklog.',
        unit: 'short',
        width: 6,
        thresholds: [
          [null, 'green'],
          [1000, 'red'],
        ],
        queries: [['max by (pod) (fcv_telemetry_store_pending_reports)', '{{pod}}']],
      })
    )
    .withPanel(
      series({
        title: 'Telemetry store: batches by outcome',
        description: 'Batches of reports written to PostgreSQL per second, by outcome.',
        unit: 'short',
        width: 6,
        stacked: true,
        queries: [
          [`sum by (outcome) (rate(fcv_telemetry_store_batches_total${RATE}))`, '{{outcome}}'],
        ],
      })
    )
    .withPanel(
      series({
        title: 'Telemetry store: batch duration',
        description: 'p50, p95 and p99 of the time one batch of reports takes to commit.',
        unit: 's',
        queries: quantiles('fcv_telemetry_store_batch_duration_seconds_bucket', [], ''),
      })
    )

  return numbered(d)
}
