// Realistic, distinct telemetry reports for the ingest benchmark: windows as the edge Worker
// flushes them (every 60 s or 1,000 customers scored), from quiet to busy isolates, each with the
// v2 features' histograms, the champion's and a shadow's score histograms, and now and then a
// widget section. Bodies are built once per size and stamped with a new isolate per request.

import {
  FEATURE_COLUMNS,
  FEATURE_SPEC_VERSION,
  histogramOf,
  TELEMETRY_BOUNDS,
  TELEMETRY_SCHEMA,
  WIDGET_BEACON_BOUNDS,
  bucketOf,
  type TelemetryPayload,
} from '@fcv/core'

/** Customers scored per window: quiet isolates flush on the minute, busy ones at 1,000. */
export const SIZES = [5, 20, 60, 150, 400, 1000] as const

/** Pseudo-random but repeatable (no Math.random: two runs send the same reports). */
function values(n: number, seed: number, scale: number): number[] {
  let x = seed
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2147483648
    return (x / 2147483648) ** 3 * scale
  })
}

/**
 * An event is one observation a report carries: a predict request's outcome, a customer scored
 * (champion or shadow), or a widget score call.
 */
export function eventsOf(p: TelemetryPayload): number {
  const requests = p.requests.reduce((a, r) => a + r.n, 0)
  const scored = p.predictions.reduce((a, x) => a + x.n, 0)
  const widget = p.widget?.series.reduce((a, s) => a + s.n, 0) ?? 0
  return requests + scored + widget
}

export const ISOLATE = '__ISOLATE__'

/** A report of `customers` customers scored (4 per request), with the isolate left to stamp. */
export function reportOf(
  customers: number,
  windowEnd: number,
  withWidget: boolean
): TelemetryPayload {
  const requests = Math.ceil(customers / 4)
  const scores = values(customers, customers, 2000)
  const shadow = Math.ceil(customers / 2)
  const numeric = FEATURE_COLUMNS.filter((c) => c.kind === 'numeric')
  const calls = 20
  const widgetValues = values(calls, 7, 800)
  const counts = (bounds: readonly number[], vs: number[]) => {
    const out = new Array<number>(bounds.length + 1).fill(0)
    for (const v of vs) out[bucketOf(bounds, v)]!++
    return out
  }
  return {
    schema: TELEMETRY_SCHEMA,
    source: { worker: 'fcv-edge', isolate: ISOLATE, colo: 'FRA' },
    window: {
      start: new Date(windowEnd - 60_000).toISOString(),
      end: new Date(windowEnd).toISOString(),
    },
    requests: [
      { outcome: 'ok', n: requests - 1 },
      { outcome: 'bad_request', n: 1 },
    ],
    predictions: [
      { modelVersion: '12', variant: 'champion', n: customers, errors: 0 },
      { modelVersion: '13', variant: 'shadow', n: shadow, errors: 0 },
    ],
    latencyMs: histogramOf(TELEMETRY_BOUNDS.latencyMs, values(requests, 3, 40)),
    predicted: [
      {
        modelVersion: '12',
        variant: 'champion',
        expected: histogramOf(TELEMETRY_BOUNDS.expected, scores),
        pBuy: histogramOf(
          TELEMETRY_BOUNDS.pBuy,
          scores.map((s) => Math.min(1, s / 2000))
        ),
      },
      {
        modelVersion: '13',
        variant: 'shadow',
        expected: histogramOf(TELEMETRY_BOUNDS.expected, scores.slice(0, shadow)),
        pBuy: histogramOf(
          TELEMETRY_BOUNDS.pBuy,
          scores.slice(0, shadow).map((s) => Math.min(1, s / 2500))
        ),
      },
    ],
    features: numeric.map((c, i) => ({
      featureSpecVersion: FEATURE_SPEC_VERSION,
      name: c.name,
      numeric: histogramOf(TELEMETRY_BOUNDS.feature, values(customers, i + 11, 500)),
      categories: {},
    })),
    dropped: { series: 0, categories: 0, flushFailures: 0 },
    ...(withWidget
      ? {
          widget: {
            beacons: [{ outcome: 'accepted' as const, n: calls }],
            bounds: {
              latencyMs: [...WIDGET_BEACON_BOUNDS.latencyMs],
              expected: [...WIDGET_BEACON_BOUNDS.expected],
            },
            series: [
              {
                modelVersion: '12',
                variant: 'champion' as const,
                outcome: 'ok' as const,
                n: calls,
                latencyMs: counts(WIDGET_BEACON_BOUNDS.latencyMs, values(calls, 5, 300)),
                expected: counts(WIDGET_BEACON_BOUNDS.expected, widgetValues),
              },
            ],
          },
        }
      : {}),
    serving: [
      { channel: 'edge', variant: 'champion', modelVersion: '12' },
      { channel: 'edge', variant: 'shadow', modelVersion: '13' },
    ],
  }
}
