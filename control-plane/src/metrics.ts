import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client'
import { publishTargetMetrics } from './publish/metrics.ts'
import type { Reconciler } from './publish/reconciler.ts'
import { EdgeTelemetry, type EdgeTelemetryOptions } from './telemetry/index.ts'

/**
 * The control plane's own Prometheus metrics, and the edge workers' telemetry summed into
 * fcv_edge_*; one registry per app, so tests stay isolated.
 */
export function createMetrics(o: { edge?: EdgeTelemetryOptions; reconciler?: Reconciler } = {}) {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  if (o.reconciler) publishTargetMetrics(registry, o.reconciler)
  return {
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
