// Test support: edge telemetry reports as the worker drains them, and a strict reader of the
// Prometheus text exposition.

import {
  bucketOf,
  histogramOf,
  TELEMETRY_BOUNDS,
  TELEMETRY_SCHEMA,
  WIDGET_BEACON_BOUNDS,
  type TelemetryPayload,
  type WidgetBeaconResult,
  type WidgetTelemetry,
  type WidgetTelemetrySeries,
} from '@fcv/core'
import { expect } from 'vitest'

// The worker's bounds and bucketing (core), so a report is what Telemetry.drain() sends.
export { histogramOf as histogram } from '@fcv/core'
export const {
  latencyMs: LATENCY_MS,
  expected: EXPECTED,
  pBuy: PROBABILITY,
  feature: FEATURE,
} = TELEMETRY_BOUNDS

/** A report from `isolate` for the minute starting at `minute`, with parts replaced. */
export function report(
  isolate: string,
  minute: number,
  parts: Partial<Omit<TelemetryPayload, 'schema' | 'source' | 'window'>> = {}
): TelemetryPayload {
  const start = new Date(Date.UTC(2026, 7, 1, 10, minute))
  return {
    schema: TELEMETRY_SCHEMA,
    source: { worker: 'fcv-edge', isolate, colo: 'FRA' },
    window: { start: start.toISOString(), end: new Date(+start + 60_000).toISOString() },
    requests: [],
    predictions: [],
    latencyMs: histogramOf(LATENCY_MS, []),
    predicted: [],
    features: [],
    dropped: { series: 0, categories: 0, flushFailures: 0 },
    ...parts,
  }
}

/** A widget series as the worker sums beacons: one latency per call, one value per call scored. */
export function widgetSeries(
  modelVersion: string | null,
  variant: WidgetTelemetrySeries['variant'],
  outcome: WidgetTelemetrySeries['outcome'],
  latencies: number[],
  values: number[] = [],
  n = latencies.length
): WidgetTelemetrySeries {
  const counts = (bounds: readonly number[], vs: number[]) => {
    const out = new Array<number>(bounds.length + 1).fill(0)
    for (const v of vs) out[bucketOf(bounds, v)]!++
    return out
  }
  return {
    modelVersion,
    variant,
    outcome,
    n,
    latencyMs: counts(WIDGET_BEACON_BOUNDS.latencyMs, latencies),
    expected: counts(WIDGET_BEACON_BOUNDS.expected, values),
  }
}

/** A report's widget section with the widget's bounds. */
export function widgetSection(
  beacons: Partial<Record<WidgetBeaconResult, number>>,
  series: WidgetTelemetrySeries[]
): WidgetTelemetry {
  return {
    beacons: Object.entries(beacons).map(([outcome, n]) => ({
      outcome: outcome as WidgetBeaconResult,
      n,
    })),
    bounds: {
      latencyMs: [...WIDGET_BEACON_BOUNDS.latencyMs],
      expected: [...WIDGET_BEACON_BOUNDS.expected],
    },
    series,
  }
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"'
const SAMPLE = new RegExp(
  `^(${NAME})(\\{${LABEL}(?:,${LABEL})*\\})? (-?\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?|[+-]Inf)$`
)

export interface Exposition {
  lines: string[]
  /** Sample value by `name{labels}` exactly as exposed. */
  samples: Map<string, number>
  types: Map<string, string>
}

/**
 * Reads the fcv_edge_* part of a /metrics body, failing on any line that is not valid text
 * exposition, and checks every histogram: cumulative buckets, `+Inf` equal to `_count`, a `_sum`
 * (none with `sums: false`: the widget's histograms have none).
 */
export function readExposition(text: string, prefix = 'fcv_edge_', sums = true): Exposition {
  const lines = text.split('\n').filter((l) => l.replace(/^# (HELP|TYPE) /, '').startsWith(prefix))
  const samples = new Map<string, number>()
  const types = new Map<string, string>()
  for (const line of lines) {
    const type = /^# TYPE (\S+) (counter|gauge|histogram)$/.exec(line)
    if (type) {
      types.set(type[1]!, type[2]!)
      continue
    }
    if (line.startsWith('# HELP ')) continue
    const m = SAMPLE.exec(line)
    expect(m, `not valid exposition: ${line}`).not.toBeNull()
    const key = `${m![1]}${m![2] ?? ''}`
    expect(samples.has(key), `repeated sample ${key}`).toBe(false)
    samples.set(key, Number(m![3]!.replace('Inf', 'Infinity')))
  }
  for (const [name, type] of types) {
    if (type !== 'histogram') continue
    const series = new Map<string, { le: number; v: number }[]>()
    for (const [key, v] of samples) {
      const b = new RegExp(`^${name}_bucket\\{(.*?),?le="([^"]+)"\\}$`).exec(key)
      if (!b) continue
      const list = series.get(b[1]!) ?? []
      list.push({ le: Number(b[2]!.replace('Inf', 'Infinity')), v })
      series.set(b[1]!, list)
    }
    for (const [labels, buckets] of series) {
      for (let i = 1; i < buckets.length; i++) {
        expect(buckets[i]!.le, `${name}{${labels}} le order`).toBeGreaterThan(buckets[i - 1]!.le)
        expect(buckets[i]!.v, `${name}{${labels}} cumulative`).toBeGreaterThanOrEqual(
          buckets[i - 1]!.v
        )
      }
      expect(buckets.at(-1)!.le).toBe(Infinity)
      const suffix = labels ? `{${labels}}` : ''
      expect(samples.get(`${name}_count${suffix}`)).toBe(buckets.at(-1)!.v)
      expect(samples.has(`${name}_sum${suffix}`), `${name}_sum${suffix}`).toBe(sums)
    }
  }
  return { lines, samples, types }
}
