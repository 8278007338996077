// "fcv control plane": the control plane's own health: its HTTP API, promotions, publish targets,
// the durable telemetry store and the Node.js process of each replica (prom-client's defaults).
// http_* and process_* names are generic, so every query is restricted to the $job variable.

import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import { DATASOURCE, bars, datasourceVariable, labelVariable, numbered, series } from './panels.ts'

const JOB = 'job=~"$job"'
const RATE = '[$__rate_interval]'
const HTTP = `${JOB}, route=~"$route"`

export function controlPlane(): dashboard.Dashboard {
  const d = new dashboard.DashboardBuilder('fcv control plane')
    .uid('fcv-control-plane')
    .description(
      'The fcv control plane: HTTP API traffic, latency and server errors by route, promotions, publish targets, the telemetry store and each replica\u2019s process.'
    )
    .tags(['fcv'])
    .editable()
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .withVariable(datasourceVariable())
    .withVariable(
      new dashboard.QueryVariableBuilder('job')
        .label('Job')
        .description('The scrape job of the control plane (the ServiceMonitor\u2019s service name)')
        .datasource(DATASOURCE)
        .query({ query: 'label_values(fcv_promotions_total, job)', refId: 'job-values' })
        .definition('label_values(fcv_promotions_total, job)')
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .sort(dashboard.VariableSort.AlphabeticalAsc)
    )
    .withVariable(
      labelVariable('route', 'Route', 'label_values(http_requests_total{job=~"$job"}, route)')
    )
    .withVariable(
      new dashboard.CustomVariableBuilder('channel')
        .label('Channel')
        .values('edge,widget')
        .multi(true)
        .includeAll(true)
        .allValue('.*')
        .current({ text: 'All', value: '$__all' })
    )

  d.withRow(new dashboard.RowBuilder('HTTP API'))
    .withPanel(
      series({
        title: 'Requests by route',
        description:
          'HTTP requests per second by route template, summed over replicas (telemetry ingestion, promotions, the admin API, /metrics).',
        unit: 'reqps',
        width: 8,
        stacked: true,
        queries: [[`sum by (route) (rate(http_requests_total{${HTTP}}${RATE}))`, '{{route}}']],
      })
    )
    .withPanel(
      series({
        title: 'p95 latency by route',
        description: '95th percentile of the request duration per route, over all replicas.',
        unit: 's',
        width: 8,
        thresholds: [
          [null, 'green'],
          [1, 'red'],
        ],
        queries: [
          [
            `histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{${HTTP}}${RATE})))`,
            '{{route}}',
          ],
        ],
      })
    )
    .withPanel(
      series({
        title: '5xx ratio by route',
        description:
          'Share of requests answered with a 5xx status, per route (0 when a route had traffic and no server error). A telemetry 503 makes the Worker resend the window.',
        unit: 'percentunit',
        width: 8,
        thresholds: [
          [null, 'green'],
          [0.01, 'red'],
        ],
        queries: [
          [
            `(sum by (route) (rate(http_requests_total{${HTTP}, status=~"5.."}${RATE}))` +
              ` or sum by (route) (rate(http_requests_total{${HTTP}}${RATE})) * 0)` +
              ` / sum by (route) (rate(http_requests_total{${HTTP}}${RATE}))`,
            '{{route}}',
          ],
        ],
      })
    )

  d.withRow(new dashboard.RowBuilder('Promotions and publishing'))
    .withPanel(
      series({
        title: 'Promotions by channel and outcome',
        description:
          'Promotions per interval by channel and outcome: succeeded, refused (a gate or validation said no) or failed (an error while executing; raises FcvPromotionFailed).',
        unit: 'short',
        width: 8,
        stacked: true,
        queries: [
          [
            `sum by (channel, outcome) (increase(fcv_promotions_total{${JOB}, channel=~"$channel"}${RATE}))`,
            '{{channel}} {{outcome}}',
          ],
        ],
      })
    )
    .withPanel(
      bars({
        title: 'Promotions in the time range',
        description: 'Promotions over the selected time range by channel and outcome.',
        unit: 'short',
        width: 4,
        queries: [
          [
            `sum by (channel, outcome) (increase(fcv_promotions_total{${JOB}, channel=~"$channel"}[$__range]))`,
            '{{channel}} {{outcome}}',
          ],
        ],
      })
    )
    .withPanel(
      series({
        title: 'Publish targets in sync',
        description:
          'Whether each publish target (a KV namespace, a bucket) holds the current deployment: 1 in sync, 0 not. Every replica reconciles every target; 0 on all of them for 15 minutes pages (FcvPublishTargetOutOfSync).',
        unit: 'short',
        width: 6,
        min: 0,
        max: 1,
        thresholds: [
          [null, 'red'],
          [1, 'green'],
        ],
        queries: [[`max by (target) (fcv_publish_target_in_sync{${JOB}})`, '{{target}}']],
      })
    )
    .withPanel(
      series({
        title: 'Publish reconciliations',
        description: 'Reconciliations per second by target and outcome, summed over replicas.',
        unit: 'short',
        width: 6,
        queries: [
          [
            `sum by (target, outcome) (rate(fcv_publish_reconciliations_total{${JOB}}${RATE}))`,
            '{{target}} {{outcome}}',
          ],
        ],
      })
    )

  d.withRow(new dashboard.RowBuilder('Telemetry store'))
    .withPanel(
      series({
        title: 'Pending reports',
        description:
          'Telemetry reports waiting to be written to PostgreSQL, per replica; above 1000 for 10 minutes raises FcvTelemetryStoreBacklog.',
        unit: 'short',
        width: 8,
        thresholds: [
          [null, 'green'],
          [1000, 'red'],
        ],
        queries: [[`max by (pod) (fcv_telemetry_store_pending_reports{${JOB}})`, '{{pod}}']],
      })
    )
    .withPanel(
      series({
        title: 'Store batches by outcome',
        description: 'Batches written to PostgreSQL per second by outcome, summed over replicas.',
        unit: 'short',
        width: 8,
        stacked: true,
        queries: [
          [
            `sum by (outcome) (rate(fcv_telemetry_store_batches_total{${JOB}}${RATE}))`,
            '{{outcome}}',
          ],
        ],
      })
    )
    .withPanel(
      series({
        title: 'Store batch duration',
        description: 'p50, p95 and p99 of the time one batch takes to commit, over all replicas.',
        unit: 's',
        width: 8,
        queries: [0.5, 0.95, 0.99].map(
          (q) =>
            [
              `histogram_quantile(${q}, sum by (le) (rate(fcv_telemetry_store_batch_duration_seconds_bucket{${JOB}}${RATE})))`,
              `p${q * 100}`,
            ] as const
        ),
      })
    )

  d.withRow(new dashboard.RowBuilder('Process'))
    .withPanel(
      series({
        title: 'CPU',
        description: 'CPU time per second of each replica\u2019s Node.js process (1 = one core).',
        unit: 'percentunit',
        width: 6,
        queries: [[`sum by (pod) (rate(process_cpu_seconds_total{${JOB}}${RATE}))`, '{{pod}}']],
      })
    )
    .withPanel(
      series({
        title: 'Memory',
        description: 'Resident memory and V8 heap in use, per replica.',
        unit: 'bytes',
        width: 6,
        queries: [
          [`max by (pod) (process_resident_memory_bytes{${JOB}})`, 'resident {{pod}}'],
          [`max by (pod) (nodejs_heap_size_used_bytes{${JOB}})`, 'heap used {{pod}}'],
        ],
      })
    )
    .withPanel(
      series({
        title: 'Event loop lag p99',
        description:
          'p99 of the Node.js event loop delay per replica (prom-client samples it); sustained lag delays every request and telemetry batch.',
        unit: 's',
        width: 6,
        thresholds: [
          [null, 'green'],
          [0.1, 'red'],
        ],
        queries: [[`max by (pod) (nodejs_eventloop_lag_p99_seconds{${JOB}})`, '{{pod}}']],
      })
    )
    .withPanel(
      series({
        title: 'GC time and open file descriptors',
        description:
          'Share of time spent in garbage collection, and open file descriptors (connections to PostgreSQL and clients), per replica.',
        unit: 'short',
        width: 6,
        queries: [
          [`sum by (pod) (rate(nodejs_gc_duration_seconds_sum{${JOB}}${RATE}))`, 'GC s/s {{pod}}'],
          [`max by (pod) (process_open_fds{${JOB}})`, 'fds {{pod}}'],
        ],
      })
    )

  return numbered(d)
}
