import { Counter, Gauge, type Registry } from 'prom-client'
import type { Reconciler } from './reconciler.ts'

/**
 * The reconciler's view as metrics, read at scrape time: whether each push target is in sync, when
 * it last was, and how its passes ended. One label value per configured target: bounded.
 */
export function publishTargetMetrics(registry: Registry, reconciler: Reconciler): void {
  new Gauge({
    name: 'fcv_publish_target_in_sync',
    help: 'Whether the push target serves what the deployments say (1) or not (0), as of its last reconciliation',
    labelNames: ['target'],
    registers: [registry],
    collect() {
      this.reset()
      for (const s of reconciler.statuses()) this.set({ target: s.target }, s.inSync ? 1 : 0)
    },
  })
  new Gauge({
    name: 'fcv_publish_target_last_in_sync_timestamp_seconds',
    help: 'When the push target was last found or made in sync (0: never)',
    labelNames: ['target'],
    registers: [registry],
    collect() {
      this.reset()
      for (const s of reconciler.statuses()) {
        this.set({ target: s.target }, s.lastInSyncAt ? Date.parse(s.lastInSyncAt) / 1000 : 0)
      }
    },
  })
  new Counter({
    name: 'fcv_publish_reconciliations_total',
    help: 'Reconciliation passes per push target, by how they ended (in_sync, converged, unreachable, refused, failed)',
    labelNames: ['target', 'outcome'],
    registers: [registry],
    collect() {
      this.reset()
      for (const [target, byState] of reconciler.counts) {
        for (const [outcome, n] of byState) this.inc({ target, outcome }, n)
      }
    },
  })
}
