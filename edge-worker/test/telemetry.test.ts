import { TELEMETRY_BOUNDS, TelemetryPayloadSchema, WIDGET_BEACON_BOUNDS } from '@fcv/core'
import { describe, expect, it } from 'vitest'
import {
  MAX_UNSENT,
  Telemetry,
  type TelemetryPayload,
  type TelemetryServing,
  type TelemetryTarget,
} from '../src/telemetry.ts'

const target: TelemetryTarget = {
  url: 'https://control-plane.test/v1/telemetry',
  token: 'telemetry-secret',
  flushMs: 60_000,
  flushPredictions: 100,
}

function recorder(
  respond: () => Promise<Response> = async () => new Response(null, { status: 204 })
) {
  const sent: { url: string; auth: string | null; payload: TelemetryPayload }[] = []
  const send = (async (url: string | URL | Request, init?: RequestInit) => {
    sent.push({
      url: String(url),
      auth: new Headers(init?.headers).get('authorization'),
      payload: JSON.parse(String(init?.body)) as TelemetryPayload,
    })
    return respond()
  }) as typeof fetch
  return { sent, send }
}

describe('Telemetry', () => {
  it('asks for the location until it has one, then never again', () => {
    const t = new Telemetry(() => 0)
    const asked: number[] = []
    const colo = (value: string | undefined) => () => (asked.push(1), value)
    t.request('ok', 1, colo(undefined))
    t.request('ok', 1, colo('AMS'))
    t.request('ok', 1, colo('LHR'))
    expect(asked).toHaveLength(2)
    expect(t.drain().source.colo).toBe('AMS')
  })

  it('adds what the provider says is served at each drain, and no section while it says nothing', () => {
    let served: TelemetryServing[] = []
    const t = new Telemetry(
      () => 0,
      undefined,
      () => served
    )
    t.request('no_model', 1)
    expect(t.drain()).not.toHaveProperty('serving')
    served = [
      { channel: 'edge', variant: 'champion', modelVersion: '7' },
      { channel: 'widget', variant: 'canary', modelVersion: '8' },
    ]
    t.touch()
    const p = t.drain()
    expect(p.serving).toEqual(served)
    expect(p.requests).toEqual([])
    served = [{ channel: 'edge', variant: 'champion', modelVersion: '9' }]
    expect(t.drain().serving).toEqual(served) // asked again at every drain, not kept
    expect(TelemetryPayloadSchema.safeParse(JSON.parse(JSON.stringify(p))).success).toBe(true)
  })

  it("skips non-finite values, so every payload passes the control plane's schema", () => {
    const t = new Telemetry(() => 0)
    t.request('ok', 2)
    t.scores({
      modelVersion: '1',
      variant: 'champion',
      values: [
        { expected: Infinity, pBuy: Number.NaN },
        { expected: 5, pBuy: 0.5 },
      ],
    })
    t.featureVectors(
      'v2',
      ['spend_30d', 'country'],
      [[-Infinity, 'GB'], { spend_30d: 3, country: 'FR' }]
    )
    const p = t.drain()
    expect(p.predicted[0]!.expected).toMatchObject({ n: 1, sum: 5 })
    expect(p.features.find((f) => f.name === 'spend_30d')!.numeric).toMatchObject({ n: 1, sum: 3 })
    const parsed = TelemetryPayloadSchema.safeParse(JSON.parse(JSON.stringify(p)))
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true)
  })

  it('buckets values into fixed histograms', () => {
    const t = new Telemetry(() => 0)
    for (const ms of [0.5, 1, 3, 4000]) t.request('ok', ms)
    t.scores({
      modelVersion: '1',
      variant: 'champion',
      values: [
        { expected: 0, pBuy: 0.02 },
        { expected: 30, pBuy: 1 },
      ],
    })
    const p = t.drain()
    expect(p.latencyMs.bounds[0]).toBe(1)
    expect(p.latencyMs.counts[0]).toBe(2) // 0.5 and 1: v <= 1
    expect(p.latencyMs.counts[2]).toBe(1) // 3: 2 < v <= 5
    expect(p.latencyMs.counts.at(-1)).toBe(1) // above the last bound
    expect(p.latencyMs).toMatchObject({ n: 4, sum: 4004.5 })
    expect(p.predicted[0]).toMatchObject({ modelVersion: '1', variant: 'champion' })
    expect(p.predicted[0]!.expected.counts.reduce((a, b) => a + b)).toBe(2)
  })

  it('flushes after M predictions, with the bearer token, then starts a new window', async () => {
    let now = 0
    const { sent, send } = recorder()
    const t = new Telemetry(() => now, send)
    const values = Array.from({ length: 60 }, () => ({ expected: 10, pBuy: 0.5 }))
    t.request('ok', 2)
    t.scores({ modelVersion: '7', variant: 'champion', values })
    expect(t.flushIfDue(target)).toBeNull()
    now = 1000
    t.request('ok', 3)
    t.scores({ modelVersion: '7', variant: 'champion', values })
    await t.flushIfDue(target)
    expect(sent).toHaveLength(1)
    expect(sent[0]).toMatchObject({ url: target.url, auth: 'Bearer telemetry-secret' })
    expect(sent[0]!.payload).toMatchObject({
      requests: [{ outcome: 'ok', n: 2 }],
      predictions: [{ modelVersion: '7', variant: 'champion', n: 120, errors: 0 }],
      window: { start: new Date(0).toISOString(), end: new Date(1000).toISOString() },
    })
    expect(t.flushIfDue(target)).toBeNull() // empty window
  })

  it('flushes after N seconds even with few predictions; never when there is no target', async () => {
    let now = 0
    const { sent, send } = recorder()
    const t = new Telemetry(() => now, send)
    t.request('no_model', 1)
    expect(t.flushIfDue(null)).toBeNull()
    now = 59_999
    expect(t.flushIfDue(target)).toBeNull()
    now = 60_000
    await t.flushIfDue(target)
    expect(sent.map((s) => s.payload.requests)).toEqual([[{ outcome: 'no_model', n: 1 }]])
  })

  it('keeps a window the control plane did not accept and sends it again, unchanged, first', async () => {
    let now = 0
    let fail: 'throw' | 503 | null = 'throw'
    const { sent, send } = recorder(async () => {
      if (fail === 'throw') throw new TypeError('network down')
      return new Response('no', { status: fail ?? 202 })
    })
    const t = new Telemetry(() => now, send)
    for (const mode of ['throw', 503, null] as const) {
      fail = mode
      t.request('ok', 1)
      now += 60_000
      await expect(t.flushIfDue(target)).resolves.toBeUndefined()
    }
    // Flush 1 sends w1 (fails); flush 2 sends w1 again (503: kept, w2 not tried); flush 3 sends
    // w1, w2, w3 and all are accepted.
    const windows = sent.map((s) => s.payload.window.start)
    const [w1, w2, w3] = [0, 60_000, 120_000].map((ms) => new Date(ms).toISOString())
    expect(windows).toEqual([w1, w1, w1, w2, w3])
    expect(sent[0]!.payload).toEqual(sent[2]!.payload)
    expect(new Set(sent.map((s) => s.payload.source.isolate)).size).toBe(1)
    expect(sent.map((s) => s.payload.dropped.flushFailures)).toEqual([0, 0, 0, 0, 0])
    expect(t.unsentWindows).toBe(0)
  })

  it(`keeps at most ${MAX_UNSENT} windows, dropping the oldest and counting it as lost`, async () => {
    let now = 0
    let up = false
    const { sent, send } = recorder(async () => new Response(null, { status: up ? 202 : 503 }))
    const t = new Telemetry(() => now, send)
    for (let i = 0; i < MAX_UNSENT + 2; i++) {
      t.request('ok', 1)
      now += 60_000
      await t.flushIfDue(target)
    }
    expect(t.unsentWindows).toBe(MAX_UNSENT)
    up = true
    sent.length = 0
    t.request('ok', 1)
    now += 60_000
    await t.flushIfDue(target)
    // The two oldest windows went, and the windows after each loss say so; the kept ones follow.
    expect(sent.map((s) => Date.parse(s.payload.window.start) / 60_000)).toEqual([2, 3, 4, 5, 6])
    expect(sent.map((s) => s.payload.dropped.flushFailures)).toEqual([0, 0, 0, 1, 1])
    expect(t.unsentWindows).toBe(0)
  })

  it('does not keep a window the control plane refuses as such (400, 413): counted as lost', async () => {
    let now = 0
    const statuses = [400, 413, 202]
    const { sent, send } = recorder(async () => new Response(null, { status: statuses.shift() }))
    const t = new Telemetry(() => now, send)
    for (let i = 0; i < 3; i++) {
      t.request('ok', 1)
      now += 60_000
      await t.flushIfDue(target)
    }
    expect(sent.map((s) => s.payload.dropped.flushFailures)).toEqual([0, 1, 1])
    expect(t.unsentWindows).toBe(0)
  })

  it("buckets a profiled model's features by its bounds under its version, the rest as before", () => {
    const t = new Telemetry(() => 0)
    const names = ['spend_30d', 'recency_days', 'country']
    const profiled = { modelVersion: '7', bounds: new Map([['spend_30d', [0, 10, 100]]]) }
    const rows = [
      [0, 3, 'GB'],
      [12, 40, 'FR'],
      [500, 9, 'GB'],
    ]
    t.featureVectors('v2', names, rows, profiled)
    t.featureVectors('v2', names, rows.slice(0, 1), { ...profiled, modelVersion: '8' })
    t.featureVectors('v2', names, rows.slice(0, 2)) // a model without a profile
    const p = t.drain()
    const key = (f: TelemetryPayload['features'][number]) => `${f.modelVersion ?? '-'}/${f.name}`
    expect(p.features.map(key)).toEqual([
      '7/spend_30d',
      '-/recency_days',
      '-/country',
      '8/spend_30d',
      '-/spend_30d',
    ])
    const [s7, recency, country, s8, spend] = p.features
    expect(s7!.numeric).toEqual({ bounds: [0, 10, 100], counts: [1, 0, 1, 1], sum: 512, n: 3 })
    expect(s8!.numeric).toEqual({ bounds: [0, 10, 100], counts: [1, 0, 0, 0], sum: 0, n: 1 })
    // unprofiled series are shared by every model of the spec version, on the fixed bounds
    expect(recency!.numeric).toMatchObject({ bounds: [...TELEMETRY_BOUNDS.feature], n: 6 })
    expect(spend!.numeric).toMatchObject({ bounds: [...TELEMETRY_BOUNDS.feature], n: 2, sum: 12 })
    expect(country!.categories).toEqual({ GB: 4, FR: 2 })
    expect(TelemetryPayloadSchema.safeParse(JSON.parse(JSON.stringify(p))).success).toBe(true)
  })

  it('stays bounded: series and categories over their caps are counted, not kept', () => {
    const t = new Telemetry(() => 0)
    for (let v = 0; v < 20; v++) {
      t.scores({
        modelVersion: String(v),
        variant: 'champion',
        values: [{ expected: 1, pBuy: 0.1 }],
      })
    }
    const wide = Array.from({ length: 200 }, (_, i) => i)
    t.featureVectors(
      'v2',
      wide.map((i) => `f${i}`),
      [wide]
    )
    t.featureVectors(
      'v2',
      ['country'],
      Array.from({ length: 50 }, (_, i) => [`C${i}`])
    )
    const p = t.drain()
    expect(p.predicted).toHaveLength(8)
    expect(p.features.length).toBe(128)
    expect(p.dropped.series).toBeGreaterThan(0)
    expect(JSON.stringify(p).length).toBeLessThan(64_000)
  })

  it('reports the widget only when the window saw beacons; caps its series and counts the rest', () => {
    const t = new Telemetry(() => 0)
    t.request('ok', 1)
    expect(t.drain()).not.toHaveProperty('widget')

    const zeros = (bounds: readonly number[]) => new Array<number>(bounds.length + 1).fill(0)
    const failed = (modelVersion: string) => ({
      modelVersion,
      variant: 'champion' as const,
      outcome: 'error' as const,
      n: 2,
      latencyMs: zeros(WIDGET_BEACON_BOUNDS.latencyMs),
      expected: zeros(WIDGET_BEACON_BOUNDS.expected),
    })
    t.beacon('rate_limited')
    const p = t.drain()
    expect(p.widget).toEqual({
      beacons: [{ outcome: 'rate_limited', n: 1 }],
      bounds: {
        latencyMs: [...WIDGET_BEACON_BOUNDS.latencyMs],
        expected: [...WIDGET_BEACON_BOUNDS.expected],
      },
      series: [],
    })
    for (let i = 0; i < 5; i++) {
      t.beacon(
        'accepted',
        Array.from({ length: 8 }, (_, j) => failed(`v${i * 8 + j}`))
      )
    }
    const capped = t.drain()
    expect(capped.widget!.series).toHaveLength(32)
    expect(capped.dropped.series).toBe(8 * 2) // 8 series of 2 calls each
    const parsed = TelemetryPayloadSchema.safeParse(capped)
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true)
  })
})
