/* eslint-disable @typescript-eslint/no-explicit-any -- each case breaks the beacon on purpose */
import { describe, expect, it } from 'vitest'
import { WidgetBeaconSchema } from './widget-beacon-schema.ts'
import { bucketOf } from './telemetry-histogram.ts'
import {
  WIDGET_BEACON_BOUNDS,
  WIDGET_BEACON_LIMITS,
  WIDGET_BEACON_SCHEMA,
  type WidgetBeacon,
} from './widget-beacon.ts'

const { latencyMs: LATENCY, expected: EXPECTED } = WIDGET_BEACON_BOUNDS

/** Counts per bucket of `bounds`, built as the widget builds them (bucketOf). */
function counts(bounds: readonly number[], values: number[]): number[] {
  const out = new Array<number>(bounds.length + 1).fill(0)
  for (const v of values) out[bucketOf(bounds, v)]!++
  return out
}

/** Three calls scored by version 7 and one without a model, as a page would report them. */
function beacon(): WidgetBeacon {
  return {
    schema: WIDGET_BEACON_SCHEMA,
    model: 'fcv-ziln',
    series: [
      {
        modelVersion: '7',
        variant: 'champion',
        outcome: 'ok',
        n: 3,
        latencyMs: counts(LATENCY, [0.4, 3, 1500]),
        expected: counts(EXPECTED, [0, 42.5, 9000]),
      },
      {
        modelVersion: null,
        variant: 'champion',
        outcome: 'no_model',
        n: 1,
        latencyMs: counts(LATENCY, []),
        expected: counts(EXPECTED, []),
      },
    ],
  }
}

function issues(value: unknown): string[] {
  const r = WidgetBeaconSchema.safeParse(value)
  expect(r.success).toBe(false)
  return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
}

function broken(change: (b: any) => void): unknown {
  const b = beacon()
  change(b)
  return b
}

describe('WidgetBeaconSchema', () => {
  it('accepts what a page sends, unchanged', () => {
    const b = beacon()
    expect(WidgetBeaconSchema.parse(b)).toEqual(b)
  })

  it('accepts the limits exactly: 8 series, 1000 calls in one', () => {
    const b = beacon()
    b.model = null
    b.series = Array.from({ length: WIDGET_BEACON_LIMITS.series }, (_, i) => ({
      modelVersion: `v${i}`,
      variant: 'canary',
      outcome: 'error',
      n: WIDGET_BEACON_LIMITS.countPerSeries,
      latencyMs: counts(LATENCY, [5]),
      expected: counts(EXPECTED, []),
    }))
    expect(WidgetBeaconSchema.safeParse(b).success).toBe(true)
  })

  it.each([
    ['another schema', (b: any) => (b.schema = 'fcv.widget.beacon/v2'), /^schema: /],
    ['an unknown field', (b: any) => (b.customerId = 'c1'), /^: Unrecognized key: "customerId"/],
    [
      'an unknown series field',
      (b: any) => (b.series[0].prediction = 42),
      /^series\.0: Unrecognized key/,
    ],
    ['a model name with a slash', (b: any) => (b.model = 'a/b'), /^model: must be 1 to 64/],
    ['an empty model name', (b: any) => (b.model = ''), /^model: must be 1 to 64/],
    [
      'a long model version',
      (b: any) => (b.series[0].modelVersion = 'v'.repeat(65)),
      /^series\.0\.modelVersion: must be 1 to 64/,
    ],
    ['no series', (b: any) => (b.series = []), /^series: must have at least one series$/],
    [
      'too many series',
      (b: any) =>
        (b.series = Array.from({ length: 9 }, (_, i) => ({
          ...b.series[0],
          modelVersion: `v${i}`,
        }))),
      /^series: must have at most 8 series$/,
    ],
    [
      'a repeated series',
      (b: any) => b.series.push({ ...b.series[0] }),
      /^series\.2: repeats a model version, variant and outcome$/,
    ],
    ['an unknown variant', (b: any) => (b.series[0].variant = 'blue'), /^series\.0\.variant: /],
    ['an unknown outcome', (b: any) => (b.series[0].outcome = 'meh'), /^series\.0\.outcome: /],
    ['n of 0', (b: any) => (b.series[1].n = 0), /^series\.1\.n: must be at least 1$/],
    [
      'n over the limit',
      (b: any) => (b.series[1].n = 1001),
      /^series\.1\.n: must be at most 1000$/,
    ],
    ['a fractional n', (b: any) => (b.series[1].n = 1.5), /^series\.1\.n: must be a whole/],
    [
      'a negative count',
      (b: any) => (b.series[0].latencyMs[0] = -1),
      /^series\.0\.latencyMs\.0: must not be negative$/,
    ],
    [
      'one bucket too few',
      (b: any) => b.series[0].expected.pop(),
      /^series\.0\.expected: must have 9 counts, one per bucket$/,
    ],
    [
      'a null version with outcome ok',
      (b: any) => (b.series[0].modelVersion = null),
      /^series\.0\.modelVersion: may be null only with outcome no_model, not ok$/,
    ],
    [
      'ok with fewer latencies than calls',
      (b: any) => (b.series[0].latencyMs[0] = 0),
      /^series\.0\.latencyMs: must count n \(3\) calls for outcome ok, counts 2$/,
    ],
    [
      'ok with more values than calls',
      (b: any) => (b.series[0].expected[0] = 2),
      /^series\.0\.expected: must count n \(3\) calls for outcome ok, counts 4$/,
    ],
    [
      'a value for a call without a model',
      (b: any) => (b.series[1].expected[3] = 1),
      /^series\.1\.expected: must be all zero for outcome no_model, counts 1$/,
    ],
    [
      'more latencies than calls',
      (b: any) => (b.series[1].latencyMs[2] = 2),
      /^series\.1\.latencyMs: must count at most n \(1\) calls, counts 2$/,
    ],
  ])('rejects %s, naming the field', (_what, change, expected) => {
    const found = issues(broken(change))
    expect(
      found.some((m) => expected.test(m)),
      found.join('\n')
    ).toBe(true)
  })

  it('rejects what is not a beacon object', () => {
    for (const value of [null, 'beacon', [], 1]) expect(issues(value)).toHaveLength(1)
  })
})
