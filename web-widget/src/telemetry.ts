// Aggregate-only beacons (core/src/serving/widget-beacon.ts): per model version, variant and outcome,
// a count and counts per latency and value bucket. Nothing that names or describes one customer is
// kept: each score is folded into the buckets as it happens. Sent when the page is hidden or left
// (navigator.sendBeacon, text/plain so there is no CORS preflight), at most beaconsPerPage times
// per page view, to the Worker's public POST /v1/beacon.

import {
  bucketOf,
  emptyWidgetSeries,
  WIDGET_BEACON_BOUNDS,
  WIDGET_BEACON_LIMITS,
  WIDGET_BEACON_SCHEMA,
  type WidgetBeacon,
  type WidgetBeaconSeries,
  type WidgetOutcome,
  type WidgetVariant,
} from '@fcv/core'

interface Pending {
  model: string | null
  series: Map<string, WidgetBeaconSeries>
}

const pending = new Map<string, Pending>()
let sent = 0
let listening = false

export interface ScoreRecord {
  model: string | null
  modelVersion: string | null
  variant: WidgetVariant
  outcome: WidgetOutcome
  latencyMs?: number
  expected?: number
}

/** Counts one score call for the beacon to `url`. */
export function record(url: string, r: ScoreRecord): void {
  listen()
  const key = `${url}\n${r.model ?? ''}`
  let page = pending.get(key)
  if (!page) pending.set(key, (page = { model: r.model, series: new Map() }))
  const id = `${r.modelVersion ?? ''}\n${r.variant}\n${r.outcome}`
  let s = page.series.get(id)
  if (!s) {
    if (page.series.size >= WIDGET_BEACON_LIMITS.series) return
    s = emptyWidgetSeries(r.modelVersion, r.variant, r.outcome)
    page.series.set(id, s)
  }
  if (s.n >= WIDGET_BEACON_LIMITS.countPerSeries) return
  s.n++
  if (r.latencyMs !== undefined)
    s.latencyMs[bucketOf(WIDGET_BEACON_BOUNDS.latencyMs, r.latencyMs)]!++
  if (r.expected !== undefined) s.expected[bucketOf(WIDGET_BEACON_BOUNDS.expected, r.expected)]!++
}

/** Sends what has been counted (the page calls it by being hidden or left; tests call it). */
export function flushTelemetry(): void {
  for (const [key, page] of pending) {
    if (sent >= WIDGET_BEACON_LIMITS.beaconsPerPage) break
    if (page.series.size === 0) continue
    const beacon: WidgetBeacon = {
      schema: WIDGET_BEACON_SCHEMA,
      model: page.model,
      series: [...page.series.values()],
    }
    if (navigator.sendBeacon(key.slice(0, key.indexOf('\n')), JSON.stringify(beacon))) {
      sent++
      page.series.clear()
    }
  }
}

function listen(): void {
  if (listening) return
  listening = true
  addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') flushTelemetry()
  })
  addEventListener('pagehide', flushTelemetry)
}
