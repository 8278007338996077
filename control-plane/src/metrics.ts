import { CHANNELS } from '@fcv/core'
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client'
import { publishTargetMetrics } from './publish/metrics.ts'
import type { Reconciler } from './publish/reconciler.ts'
import { EdgeTelemetry, type EdgeTelemetryOptions } from './telemetry/index.ts'

const TOTAL_NAMED_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
]
export const PROMOTION_OUTCOMES = ['succeeded', 'refused', 'failed'] as const

/**
 * The control plane's own Prometheus metrics, and the edge workers' telemetry summed into
 * fcv_edge_*; one registry per app, so tests stay isolated.
 */
export function createMetrics(o: { edge?: EdgeTelemetryOptions; reconciler?: Reconciler } = {}) {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  // prom-client names three gauges *_total (live handles, requests and resources), which
  // Prometheus reserves for counters: `promtool check metrics` rejects them, and rate() on them is
  // meaningless. Their counts by type (nodejs_active_*{type}) remain.
  for (const name of TOTAL_NAMED_GAUGES) registry.removeSingleMetric(name)
  if (o.reconciler) publishTargetMetrics(registry, o.reconciler)
  const promotions = new Counter({
    name: 'fcv_promotions_total',
    help: 'Promotions by channel and outcome: succeeded, refused (a gate, a validation or a conflict said no: 4xx) or failed (an error while executing: 5xx, a push target refused the bundle)',
    labelNames: ['channel', 'outcome'],
    registers: [registry],
  })
  for (const channel of CHANNELS) {
    for (const outcome of PROMOTION_OUTCOMES) promotions.inc({ channel, outcome }, 0)
  }
  return {
    promotions,
    registry,
    requests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method and route template',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    edge: new EdgeTelemetry(registry, o.edge),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
