// The fleet's health as Prometheus gauges: fcv_drift_* and fcv_serving_*, computed from the durable
// store when scraped (at most once per refresh interval; concurrent scrapes share one computation).
// The values are the fleet's, identical on every replica: aggregate them with max, not sum. When
// the database cannot be read the gauges have no samples (an alert on them goes quiet rather than
// firing on a stale value) and fcv_fleet_refresh_errors_total counts it.

import { Counter, Gauge, type Registry } from 'prom-client'
import type { Logger } from '../log.ts'
import type { FleetHealth } from './fleet.ts'

export interface FleetMetricsOptions {
  /** Computes the fleet's health now (fleetHealth on the served model). */
  compute: () => Promise<FleetHealth>
  /** A scrape within this long of the last computation reuses it. */
  refreshMs: number
  log: Pick<Logger, 'warn'>
  now?: () => number
}

export class FleetMetrics {
  private readonly o: Required<FleetMetricsOptions>
  private last: { at: number; health: FleetHealth | null } | null = null
  private running: Promise<FleetHealth | null> | null = null
  private readonly errors: Counter

  constructor(registry: Registry, o: FleetMetricsOptions) {
    this.o = { now: Date.now, ...o }
    const registers = [registry]
    // collect() runs with the gauge as `this`; the computation is this object's.
    const current = () => this.current()
    const gauge = <L extends string>(
      name: string,
      help: string,
      labelNames: L[],
      fill: (g: Gauge<L>, h: FleetHealth) => void
    ) =>
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          const h = await current()
          this.reset()
          if (h) fill(this, h)
        },
      })
    this.errors = new Counter({
      name: 'fcv_fleet_refresh_errors_total',
      help: 'Computations of the fleet gauges (fcv_drift_*, fcv_serving_*) that failed; their samples are absent until one succeeds',
      registers,
    })
    gauge(
      'fcv_drift_psi',
      'Population stability index of each input feature over the drift window against the training profile of the model (fleet-wide: aggregate with max)',
      ['channel', 'model_version', 'feature'],
      (g, h) => {
        for (const d of h.drift) {
          for (const f of d.features) {
            if (f.psi !== null) {
              g.set({ channel: d.channel, model_version: d.modelVersion, feature: f.name }, f.psi)
            }
          }
        }
      }
    )
    gauge(
      'fcv_drift_prediction_psi',
      'Population stability index of the predicted value and P(buy) over the drift window against training (fleet-wide)',
      ['channel', 'model_version', 'output'],
      (g, h) => {
        for (const d of h.drift) {
          for (const p of d.predictions) {
            if (p.psi !== null) {
              g.set({ channel: d.channel, model_version: d.modelVersion, output: p.output }, p.psi)
            }
          }
        }
      }
    )
    gauge(
      'fcv_drift_prediction_mean_ratio',
      'Live mean of the predicted value and P(buy) over the drift window divided by the training mean (edge only: widget beacons carry no sums; fleet-wide)',
      ['channel', 'model_version', 'output'],
      (g, h) => {
        for (const d of h.drift) {
          for (const p of d.predictions) {
            if (p.meanRatio !== null) {
              const labels = { channel: d.channel, model_version: d.modelVersion, output: p.output }
              g.set(labels, p.meanRatio)
            }
          }
        }
      }
    )
    gauge(
      'fcv_drift_window_observations',
      'Customers scored in the drift window, per channel and model version (fleet-wide)',
      ['channel', 'model_version'],
      (g, h) => {
        for (const d of h.drift) {
          g.set({ channel: d.channel, model_version: d.modelVersion }, d.observations)
        }
      }
    )
    gauge(
      'fcv_serving_reporters',
      'Reporters of a version in the staleness window: edge isolates holding it for the channel (reporter="isolate") or widget score calls made with it (reporter="page"); current="false": no longer deployed on the channel (fleet-wide)',
      ['channel', 'model_version', 'current', 'reporter'],
      (g, h) => {
        for (const v of h.serving.versions) {
          const labels = {
            channel: v.channel,
            model_version: v.modelVersion,
            current: String(v.current),
            reporter: v.reporter,
          }
          g.set(labels, v.reporters)
        }
      }
    )
    gauge(
      'fcv_serving_stale_seconds',
      'Per channel, how long a version no longer deployed there has still been served since the deployment dropped it (0: none; fleet-wide)',
      ['channel'],
      (g, h) => {
        for (const [channel, seconds] of Object.entries(h.serving.staleSeconds)) {
          g.set({ channel }, seconds)
        }
      }
    )
  }

  /** The last computation if fresh, else a new one (shared by concurrent callers). */
  current(): Promise<FleetHealth | null> {
    const now = this.o.now()
    if (this.last && now - this.last.at < this.o.refreshMs) return Promise.resolve(this.last.health)
    this.running ??= this.o
      .compute()
      .then(
        (health) => health,
        (e: unknown) => {
          this.errors.inc()
          this.o.log.warn({ err: (e as Error).message }, 'fleet gauges not computed')
          return null
        }
      )
      .then((health) => {
        this.last = { at: this.o.now(), health }
        this.running = null
        return health
      })
    return this.running
  }
}
