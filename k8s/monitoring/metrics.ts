// The metric families the rules and dashboards may name, with their type and labels: the issue 16
// contract. The control plane's /metrics test checks every fcv_* family it exports is here with
// this type; the dashboard and rule tests check every name they use is.

export type MetricType = 'counter' | 'gauge' | 'histogram'

export interface MetricFamily {
  type: MetricType
  labels: readonly string[]
  /** Histograms without _sum (widget beacons carry none). */
  noSum?: boolean
}

const m = (type: MetricType, labels: readonly string[] = [], noSum = false): MetricFamily =>
  noSum ? { type, labels, noSum } : { type, labels }
const MODEL = ['model_version', 'variant'] as const

export const METRICS: Readonly<Record<string, MetricFamily>> = {
  // Per replica, from accepted edge telemetry reports: sum without(instance, pod) is the fleet.
  fcv_edge_requests_total: m('counter', ['outcome']),
  fcv_edge_request_duration_seconds: m('histogram'),
  fcv_edge_predictions_total: m('counter', MODEL),
  fcv_edge_prediction_errors_total: m('counter', MODEL),
  fcv_edge_predicted_value: m('histogram', MODEL),
  fcv_edge_predicted_pbuy_ratio: m('histogram', MODEL),
  fcv_edge_feature: m('histogram', ['feature_spec', 'feature', 'model_version']),
  fcv_edge_feature_category_total: m('counter', ['feature_spec', 'feature', 'category']),
  fcv_edge_telemetry_reports_total: m('counter'),
  fcv_edge_telemetry_rejected_total: m('counter', ['reason']),
  fcv_edge_telemetry_dropped_total: m('counter', ['kind']),
  fcv_edge_last_report_timestamp_seconds: m('gauge'),
  fcv_edge_isolates_reporting: m('gauge'),
  fcv_widget_beacons_total: m('counter', ['outcome']),
  fcv_widget_scores_total: m('counter', [...MODEL, 'outcome']),
  fcv_widget_score_duration_seconds: m('histogram', [...MODEL, 'outcome'], true),
  fcv_widget_predicted_value: m('histogram', MODEL, true),
  // The publish reconciler (per replica; every replica reconciles the same targets).
  fcv_publish_target_in_sync: m('gauge', ['target']),
  fcv_publish_target_last_in_sync_timestamp_seconds: m('gauge', ['target']),
  fcv_publish_reconciliations_total: m('counter', ['target', 'outcome']),
  fcv_promotions_total: m('counter', ['channel', 'outcome']),
  // Fleet-wide, computed from PostgreSQL, the same on every replica: max without(instance, pod).
  fcv_drift_psi: m('gauge', ['channel', 'model_version', 'feature']),
  fcv_drift_prediction_psi: m('gauge', ['channel', 'model_version', 'output']),
  fcv_drift_prediction_mean_ratio: m('gauge', ['channel', 'model_version', 'output']),
  fcv_drift_window_observations: m('gauge', ['channel', 'model_version']),
  fcv_serving_reporters: m('gauge', ['channel', 'model_version', 'current', 'reporter']),
  fcv_serving_stale_seconds: m('gauge', ['channel']),
  fcv_fleet_refresh_errors_total: m('counter', []),
  // The durable telemetry store (per replica).
  fcv_telemetry_store_batches_total: m('counter', ['outcome']),
  fcv_telemetry_store_reports_total: m('counter', ['outcome']),
  fcv_telemetry_store_rows_written_total: m('counter', ['table']),
  fcv_telemetry_store_batch_duration_seconds: m('histogram'),
  fcv_telemetry_store_batch_reports: m('histogram'),
  fcv_telemetry_store_pending_reports: m('gauge'),
  // The control plane's HTTP API and process (prom-client defaults).
  http_requests_total: m('counter', ['method', 'route', 'status']),
  http_request_duration_seconds: m('histogram', ['method', 'route']),
  process_cpu_seconds_total: m('counter'),
  process_resident_memory_bytes: m('gauge'),
  process_open_fds: m('gauge'),
  process_start_time_seconds: m('gauge'),
  nodejs_eventloop_lag_p99_seconds: m('gauge'),
  nodejs_heap_size_used_bytes: m('gauge'),
  nodejs_gc_duration_seconds: m('histogram', ['kind']),
  up: m('gauge'),
}

/** The series names a family exposes (a histogram's _bucket, _count and _sum). */
export function seriesNames(): Map<string, string> {
  const out = new Map<string, string>()
  for (const [name, f] of Object.entries(METRICS)) {
    if (f.type !== 'histogram') out.set(name, name)
    else
      for (const s of f.noSum ? ['_bucket', '_count'] : ['_bucket', '_count', '_sum'])
        out.set(name + s, name)
  }
  return out
}
