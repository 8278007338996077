/* eslint-disable @typescript-eslint/no-explicit-any -- each case breaks the payload on purpose */
import { describe, expect, it } from 'vitest'
import {
  TELEMETRY_SCHEMA,
  TelemetryPayloadSchema,
  type TelemetryPayload,
} from './telemetry-payload.ts'
import { histogramOf, TELEMETRY_BOUNDS } from './telemetry-histogram.ts'
import { WIDGET_BEACON_BOUNDS } from './widget-beacon.ts'

// The worker's bounds and bucketing, so the fixture is what Telemetry.drain() sends.
const {
  latencyMs: LATENCY_MS,
  expected: EXPECTED,
  pBuy: PROBABILITY,
  feature: FEATURE,
} = TELEMETRY_BOUNDS
const histogram = histogramOf

function drained(): TelemetryPayload {
  return {
    schema: TELEMETRY_SCHEMA,
    source: { worker: 'fcv-edge', isolate: '0f8fad5b-d9cb-469f-a165-70867728950e', colo: 'FRA' },
    window: { start: '2026-08-01T10:00:00.000Z', end: '2026-08-01T10:01:00.000Z' },
    requests: [
      { outcome: 'ok', n: 3 },
      { outcome: 'bad_request', n: 1 },
    ],
    predictions: [
      { modelVersion: '7', variant: 'champion', n: 5, errors: 0 },
      { modelVersion: '8', variant: 'shadow', n: 0, errors: 5 },
    ],
    latencyMs: histogram(LATENCY_MS, [0.5, 3, 4, 4000]),
    predicted: [
      {
        modelVersion: '7',
        variant: 'champion',
        expected: histogram(EXPECTED, [0, 12.5, 30, 30, 250_000]),
        pBuy: histogram(PROBABILITY, [0.01, 0.2, 0.5, 0.5, 1]),
      },
    ],
    features: [
      {
        featureSpecVersion: 'v2',
        name: 'recency_days',
        numeric: histogram(FEATURE, [-3, 0, 12, 400]),
        categories: {},
      },
      {
        featureSpecVersion: 'v2',
        name: 'country',
        numeric: histogram(FEATURE, []),
        categories: { 'United Kingdom': 3, '': 1, __other__: 2 },
      },
    ],
    dropped: { series: 0, categories: 2, flushFailures: 1 },
    widget: {
      beacons: [
        { outcome: 'accepted', n: 4 },
        { outcome: 'rate_limited', n: 2 },
      ],
      bounds: {
        latencyMs: [...WIDGET_BEACON_BOUNDS.latencyMs],
        expected: [...WIDGET_BEACON_BOUNDS.expected],
      },
      series: [
        {
          modelVersion: '7',
          variant: 'champion',
          outcome: 'ok',
          n: 5,
          latencyMs: [1, 0, 2, 0, 0, 0, 0, 0, 1, 1],
          expected: [2, 0, 3, 0, 0, 0, 0, 0, 0],
        },
        {
          modelVersion: null,
          variant: 'champion',
          outcome: 'no_model',
          n: 1500,
          latencyMs: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
          expected: [0, 0, 0, 0, 0, 0, 0, 0, 0],
        },
      ],
    },
    serving: [
      { channel: 'edge', variant: 'champion', modelVersion: '7' },
      { channel: 'widget', variant: 'champion', modelVersion: '7' },
    ],
  }
}

/** The field paths and messages of a rejected payload. */
function issues(payload: unknown): string[] {
  const r = TelemetryPayloadSchema.safeParse(payload)
  expect(r.success).toBe(false)
  return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
}

/** A valid payload with one change. */
function broken(change: (p: TelemetryPayload) => void): unknown {
  const p = drained()
  change(p)
  return p
}

describe('TelemetryPayloadSchema', () => {
  it('accepts what the worker drains, unchanged', () => {
    const p = drained()
    expect(TelemetryPayloadSchema.parse(p)).toEqual(p)
  })

  it('accepts a report without the widget section (older workers, windows without beacons)', () => {
    const p = drained()
    delete p.widget
    delete p.serving
    expect(TelemetryPayloadSchema.parse(p)).toEqual(p)
  })

  it("accepts a feature per model version, bucketed by each one's training profile", () => {
    const p = drained()
    const recency = p.features[0]!
    p.features.push(
      { ...recency, modelVersion: '7', numeric: histogram([5, 30, 90], [-3, 0, 12, 400]) },
      { ...recency, modelVersion: '8', numeric: histogram([10, 60], [12, 400]) }
    )
    expect(TelemetryPayloadSchema.parse(p)).toEqual(p)
  })

  it('accepts an empty window (a drain with nothing recorded)', () => {
    const at = '2026-08-01T10:00:00.000Z'
    const empty: TelemetryPayload = {
      ...drained(),
      source: { worker: 'fcv-edge', isolate: 'abc', colo: null },
      window: { start: at, end: at },
      requests: [],
      predictions: [],
      latencyMs: histogram(LATENCY_MS, []),
      predicted: [],
      features: [],
      dropped: { series: 0, categories: 0, flushFailures: 0 },
    }
    expect(TelemetryPayloadSchema.safeParse(empty).success).toBe(true)
  })

  it.each([
    ['a different schema', (p: any) => (p.schema = 'fcv.edge.telemetry/v2'), /^schema: /],
    ['an unknown field', (p: any) => (p.extra = 1), /^: Unrecognized key: "extra"/],
    ['an unknown nested field', (p: any) => (p.dropped.other = 1), /^dropped: Unrecognized key/],
    ['another worker', (p: any) => (p.source.worker = 'x'), /^source\.worker: /],
    ['an isolate with a slash', (p: any) => (p.source.isolate = 'a/b'), /^source\.isolate: must/],
    ['a long colo', (p: any) => (p.source.colo = 'X'.repeat(17)), /^source\.colo: /],
    ['a date that is not ISO', (p: any) => (p.window.start = 'yesterday'), /^window\.start: must/],
    [
      'a window that ends before it starts',
      (p: any) => (p.window.end = '2026-08-01T09:00:00.000Z'),
      /^window\.end: must not be before window\.start$/,
    ],
    [
      'an unknown outcome',
      (p: any) => (p.requests[0].outcome = 'teapot'),
      /^requests\.0\.outcome: /,
    ],
    [
      'a negative count',
      (p: any) => (p.requests[1].n = -1),
      /^requests\.1\.n: must not be negative$/,
    ],
    [
      'a fractional count',
      (p: any) => (p.predictions[0].errors = 0.5),
      /^predictions\.0\.errors: must be a whole/,
    ],
    [
      'a repeated outcome',
      (p: any) => p.requests.push({ outcome: 'ok', n: 1 }),
      /^requests\.2: repeats an outcome$/,
    ],
    [
      'a model version with spaces',
      (p: any) => (p.predictions[0].modelVersion = 'v 7'),
      /^predictions\.0\.modelVersion: must be 1 to 64/,
    ],
    [
      'an unknown variant',
      (p: any) => (p.predicted[0].variant = 'blue'),
      /^predicted\.0\.variant: /,
    ],
    [
      'a repeated prediction series',
      (p: any) => p.predictions.push({ ...p.predictions[0] }),
      /^predictions\.2: repeats a model version and variant$/,
    ],
    [
      'bounds that do not increase',
      (p: any) => (p.latencyMs.bounds[3] = 2),
      /^latencyMs\.bounds\.3: bounds must increase$/,
    ],
    [
      'one count too few',
      (p: any) => p.predicted[0].pBuy.counts.pop(),
      /^predicted\.0\.pBuy\.counts: must have one more entry than bounds \(13\), has 12$/,
    ],
    [
      'n that is not the sum of the counts',
      (p: any) => (p.predicted[0].expected.n = 4),
      /^predicted\.0\.expected\.n: must be the sum of counts \(5\)$/,
    ],
    [
      'an infinite count',
      (p: any) => (p.latencyMs.counts[0] = Infinity),
      /^latencyMs\.counts\.0: /,
    ],
    ['a NaN sum', (p: any) => (p.latencyMs.sum = NaN), /^latencyMs\.sum: /],
    ['a null sum (Infinity as JSON)', (p: any) => (p.latencyMs.sum = null), /^latencyMs\.sum: /],
    [
      'too many buckets',
      (p: any) => (p.latencyMs = histogram([...Array(65).keys()], [1])),
      /^latencyMs\.bounds: Too big/,
    ],
    [
      'too many categories',
      (p: any) =>
        (p.features[1].categories = Object.fromEntries(
          [...Array(65).keys()].map((i) => [`c${i}`, 1])
        )),
      /^features\.1\.categories: at most 64 categories$/,
    ],
    [
      'a long category',
      (p: any) => (p.features[1].categories = { ['x'.repeat(257)]: 1 }),
      /^features\.1\.categories\.x+: /,
    ],
    [
      'a long feature name',
      (p: any) => (p.features[0].name = 'f'.repeat(129)),
      /^features\.0\.name: /,
    ],
    [
      'an empty feature spec',
      (p: any) => (p.features[0].featureSpecVersion = ''),
      /^features\.0\.featureSpecVersion: /,
    ],
    [
      'a feature bucketed by a model version that is not an id',
      (p: any) => (p.features[0].modelVersion = 'v 7'),
      /^features\.0\.modelVersion: must be 1 to 64/,
    ],
    [
      'a repeated feature',
      (p: any) => p.features.push({ ...p.features[0] }),
      /^features\.2: repeats a feature of that spec and model version$/,
    ],
    [
      'a repeated feature of one model version',
      (p: any) => {
        p.features[0].modelVersion = '7'
        p.features.push({ ...p.features[0] })
      },
      /^features\.2: repeats a feature of that spec and model version$/,
    ],
    [
      'too many prediction series',
      (p: any) =>
        (p.predictions = [...Array(65).keys()].map((i) => ({
          modelVersion: String(i),
          variant: 'champion',
          n: 1,
          errors: 0,
        }))),
      /^predictions: Too big/,
    ],
    [
      'too many predicted series',
      (p: any) =>
        (p.predicted = [...Array(17).keys()].map((i) => ({
          ...p.predicted[0],
          modelVersion: String(i),
        }))),
      /^predicted: Too big/,
    ],
    [
      'an unknown beacon outcome',
      (p: any) => (p.widget.beacons[0].outcome = 'lost'),
      /^widget\.beacons\.0\.outcome: /,
    ],
    [
      'a repeated beacon outcome',
      (p: any) => p.widget.beacons.push({ outcome: 'accepted', n: 1 }),
      /^widget\.beacons\.2: repeats an outcome$/,
    ],
    [
      'widget bounds that do not increase',
      (p: any) => (p.widget.bounds.expected[2] = 5),
      /^widget\.bounds\.expected\.2: bounds must increase$/,
    ],
    [
      'a widget series with a count too few',
      (p: any) => p.widget.series[0].latencyMs.pop(),
      /^widget\.series\.0\.latencyMs: must have one more entry than bounds\.latencyMs \(10\), has 9$/,
    ],
    [
      'a widget series whose latencies do not add up to n',
      (p: any) => (p.widget.series[0].n = 6),
      /^widget\.series\.0\.latencyMs: must count n \(6\) calls for outcome ok, counts 5$/,
    ],
    [
      'a value counted for a call without a model',
      (p: any) => (p.widget.series[1].expected[0] = 1),
      /^widget\.series\.1\.expected: must be all zero for outcome no_model, counts 1$/,
    ],
    [
      'a repeated widget series',
      (p: any) => p.widget.series.push({ ...p.widget.series[1] }),
      /^widget\.series\.2: repeats a model version, variant and outcome$/,
    ],
    [
      'too many widget series',
      (p: any) =>
        (p.widget.series = [...Array(65).keys()].map((i) => ({
          ...p.widget.series[0],
          modelVersion: String(i),
        }))),
      /^widget\.series: Too big/,
    ],
    [
      'an unknown serving channel',
      (p: any) => (p.serving[0].channel = 'batch'),
      /^serving\.0\.channel: /,
    ],
    [
      'a repeated serving entry',
      (p: any) => p.serving.push({ ...p.serving[0] }),
      /^serving\.2: repeats a channel, variant and model version$/,
    ],
    [
      'too many serving entries',
      (p: any) =>
        (p.serving = [...Array(9).keys()].map((i) => ({
          ...p.serving[0],
          modelVersion: String(i),
        }))),
      /^serving: Too big/,
    ],
    ['an unknown widget field', (p: any) => (p.widget.extra = 1), /^widget: Unrecognized key/],
    [
      'a missing dropped counter',
      (p: any) => delete p.dropped.flushFailures,
      /^dropped\.flushFailures: /,
    ],
  ])('rejects %s, naming the path', (_what, change, expected) => {
    const found = issues(broken(change))
    expect(
      found.some((m) => expected.test(m)),
      found.join('\n')
    ).toBe(true)
  })

  it('rejects something that is not an object', () => {
    expect(issues('telemetry')).toHaveLength(1)
    expect(issues(null)).toHaveLength(1)
  })
})
