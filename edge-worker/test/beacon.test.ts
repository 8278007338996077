import {
  bucketOf,
  TelemetryPayloadSchema,
  WIDGET_BEACON_BOUNDS,
  WIDGET_BEACON_LIMITS,
  WIDGET_BEACON_SCHEMA,
  type SigningKey,
  type TelemetryPayload,
  type WidgetBeacon,
  type WidgetBeaconSeries,
} from '@fcv/core'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../src/app.ts'
import type { Env } from '../src/env.ts'
import {
  call,
  preflight,
  errorOf,
  newSigner,
  push,
  signedBundle,
  testEnv,
  TestKv,
  trusting,
} from './support.ts'

const { latencyMs: LATENCY, expected: EXPECTED } = WIDGET_BEACON_BOUNDS

function counts(bounds: readonly number[], values: number[]): number[] {
  const out = new Array<number>(bounds.length + 1).fill(0)
  for (const v of values) out[bucketOf(bounds, v)]!++
  return out
}

/** `latencies` and `values`: one per call scored (outcome ok). */
function scored(
  modelVersion: string,
  latencies: number[],
  values: number[],
  variant: WidgetBeaconSeries['variant'] = 'champion'
): WidgetBeaconSeries {
  return {
    modelVersion,
    variant,
    outcome: 'ok',
    n: latencies.length,
    latencyMs: counts(LATENCY, latencies),
    expected: counts(EXPECTED, values),
  }
}

const noModel = (n: number): WidgetBeaconSeries => ({
  modelVersion: null,
  variant: 'champion',
  outcome: 'no_model',
  n,
  latencyMs: counts(LATENCY, []),
  expected: counts(EXPECTED, []),
})

const beacon = (...series: WidgetBeaconSeries[]): WidgetBeacon => ({
  schema: WIDGET_BEACON_SCHEMA,
  model: 'fcv-ziln',
  series,
})

/** A client address of its own per call, so tests never share a rate limit. */
const newAddress = () =>
  `2001:db8::${crypto.randomUUID().slice(0, 4)}:${crypto.randomUUID().slice(0, 4)}`

/** As navigator.sendBeacon(url, JSON.stringify(beacon)) sends it: text/plain, no preflight. */
function send(
  app: ReturnType<typeof createApp>,
  bindings: Env,
  body: unknown,
  o: { type?: string | null; address?: string; origin?: string } = {}
): Promise<Response> {
  const headers: Record<string, string> = {
    'cf-connecting-ip': o.address ?? newAddress(),
    origin: o.origin ?? 'https://shop.test',
  }
  const type = o.type === undefined ? 'text/plain;charset=UTF-8' : o.type
  if (type !== null) headers['content-type'] = type
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  // A string body would get text/plain from the Request constructor: bytes have no type.
  return call(app, bindings, '/v1/beacon', {
    method: 'POST',
    headers,
    body: type === null ? new TextEncoder().encode(text) : text,
  })
}

let signer: SigningKey
beforeAll(async () => {
  signer = await newSigner()
})

let kv: TestKv
let now: number
let flushed: TelemetryPayload[]
let app: ReturnType<typeof createApp>
let bindings: Env

beforeEach(() => {
  kv = new TestKv()
  now = Date.parse('2026-11-20T10:00:00Z')
  flushed = []
  app = createApp({
    now: () => now,
    fetch: async (_url, init) => {
      flushed.push(JSON.parse(String(init?.body)) as TelemetryPayload)
      return new Response(null, { status: 202 })
    },
  })
  bindings = testEnv(kv, {
    TRUSTED_KEYS: trusting(signer),
    TELEMETRY_URL: 'https://control-plane.test/v1/telemetry',
    TELEMETRY_FLUSH_SECONDS: '60',
  })
})

/** The next flush: one more beacon a minute later makes the window due. */
async function flush(): Promise<NonNullable<TelemetryPayload['widget']>> {
  now += 61_000
  expect((await send(app, bindings, beacon(noModel(1)))).status).toBe(204)
  expect(flushed).toHaveLength(1)
  const payload = flushed.pop()!
  const parsed = TelemetryPayloadSchema.safeParse(payload)
  expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true)
  return payload.widget!
}

describe('POST /v1/beacon', () => {
  it('accepts a beacon as sendBeacon sends it (text/plain) and as JSON: 204, with CORS', async () => {
    for (const type of ['text/plain;charset=UTF-8', 'application/json']) {
      const res = await send(app, bindings, beacon(noModel(2)), { type })
      expect(res.status, type).toBe(204)
      expect(await res.text()).toBe('')
      expect(res.headers.get('access-control-allow-origin')).toBe('*')
      expect(res.headers.get('cache-control')).toBe('no-store')
    }
  })

  it('sums accepted beacons per model version, variant and outcome into the telemetry window', async () => {
    await push(app, bindings, await signedBundle(signer, '7'), 'widget')
    await push(app, bindings, await signedBundle(signer, '8'), 'widget', 'canary', {
      'x-fcv-canary-share': '0.1',
    })
    const page1 = beacon(scored('7', [0.5, 30], [0, 120]), scored('8', [3], [42], 'canary'))
    const page2 = beacon(scored('7', [2000], [7000]), noModel(3))
    for (const b of [page1, page2]) expect((await send(app, bindings, b)).status).toBe(204)
    expect(flushed).toEqual([]) // the window is not due yet

    const widget = await flush()
    expect(widget.beacons).toEqual([{ outcome: 'accepted', n: 3 }])
    expect(widget.bounds).toEqual({ latencyMs: [...LATENCY], expected: [...EXPECTED] })
    const bySeries = Object.fromEntries(
      widget.series.map((s) => [`${s.modelVersion}/${s.variant}/${s.outcome}`, s])
    )
    expect(bySeries).toEqual({
      '7/champion/ok': scored('7', [0.5, 30, 2000], [0, 120, 7000]),
      '8/canary/ok': scored('8', [3], [42], 'canary'),
      'null/champion/no_model': noModel(4), // page2's 3 and flush()'s 1
    })
  })

  it('counts a version the widget channel never served here as __other__', async () => {
    await push(app, bindings, await signedBundle(signer, '7'), 'widget')
    await push(app, bindings, await signedBundle(signer, '9'), 'edge') // not the widget's
    const b = beacon(scored('7', [1], [1]), scored('9', [1], [1]), scored('made-up', [5], [5]))
    expect((await send(app, bindings, b)).status).toBe(204)
    const series = (await flush()).series.filter((s) => s.outcome === 'ok')
    expect(series.map((s) => [s.modelVersion, s.n])).toEqual([
      ['7', 1],
      ['__other__', 2],
    ])
  })

  it('answers 400 naming the field, and counts it as bad_request', async () => {
    const zero = beacon({ ...noModel(1), n: 0 })
    let res = await send(app, bindings, zero)
    expect(res.status).toBe(400)
    expect(await errorOf(res)).toMatchObject({
      code: 'invalid_request',
      message: 'series[0].n: must be at least 1',
    })
    const unscored = beacon({ ...scored('7', [1], [1]), modelVersion: null })
    res = await send(app, bindings, unscored)
    expect((await errorOf(res)).message).toBe(
      'series[0].modelVersion: may be null only with outcome no_model, not ok'
    )
    res = await send(app, bindings, { ...beacon(noModel(1)), customerId: 'c1' })
    expect((await errorOf(res)).message).toBe('(body): Unrecognized key: "customerId"')
    res = await send(app, bindings, '{"schema":')
    expect(res.status).toBe(400)
    expect((await errorOf(res)).code).toBe('malformed')
    res = await send(app, bindings, '')
    expect((await errorOf(res)).code).toBe('malformed')
    expect((await flush()).beacons).toEqual([
      { outcome: 'bad_request', n: 5 },
      { outcome: 'accepted', n: 1 },
    ])
  })

  it(`answers 413 beyond ${WIDGET_BEACON_LIMITS.bodyBytes} bytes, counted as too_large`, async () => {
    const padded = JSON.stringify(beacon(noModel(1))).replace(
      /}$/,
      `${' '.repeat(WIDGET_BEACON_LIMITS.bodyBytes)}}`
    )
    const res = await send(app, bindings, padded)
    expect(res.status).toBe(413)
    expect(await errorOf(res)).toMatchObject({ code: 'payload_too_large' })
    // The same beacon within the limit (JSON allows the whitespace) is accepted.
    const fits = padded.replace(/ {2000}/, '')
    expect(new TextEncoder().encode(fits).length).toBeLessThanOrEqual(
      WIDGET_BEACON_LIMITS.bodyBytes
    )
    expect((await send(app, bindings, fits)).status).toBe(204)
    expect((await flush()).beacons).toEqual([
      { outcome: 'too_large', n: 1 },
      { outcome: 'accepted', n: 2 },
    ])
  })

  it('answers 415 for a body that is neither text/plain nor JSON, counted as bad_request', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/html', null]) {
      const res = await send(app, bindings, beacon(noModel(1)), { type })
      expect(res.status, String(type)).toBe(415)
      expect((await errorOf(res)).code).toBe('unsupported_media_type')
    }
    expect((await flush()).beacons).toEqual([
      { outcome: 'bad_request', n: 3 },
      { outcome: 'accepted', n: 1 },
    ])
  })

  it('holds a client address to 120 beacons a minute (wrangler.toml): 429 with Retry-After, counted', async () => {
    // Miniflare's windows are aligned to the minute: start well inside one (the 122 requests
    // below take about a second).
    const into = Date.now() % 60_000
    if (into > 55_000) await new Promise((r) => setTimeout(r, 60_000 - into + 100))
    const address = newAddress()
    const body = beacon(noModel(1))
    for (let i = 0; i < 120; i++) {
      const res = await send(app, bindings, body, { address })
      expect(res.status, `beacon ${i + 1}`).toBe(204)
    }
    const refused = await send(app, bindings, body, { address })
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('60')
    expect(refused.headers.get('access-control-allow-origin')).toBe('*')
    expect(await errorOf(refused)).toMatchObject({ code: 'rate_limited' })
    // Refused before the body is read: a bad one is 429 too, not 400.
    expect((await send(app, bindings, 'nonsense', { address })).status).toBe(429)
    // Another address is not held back.
    expect((await send(app, bindings, body)).status).toBe(204)
    expect((await flush()).beacons).toEqual([
      { outcome: 'accepted', n: 122 },
      { outcome: 'rate_limited', n: 2 },
    ])
  }, 30_000)

  it('answers the preflight of a JSON POST (fetch with keepalive) for listed origins', async () => {
    const listed = testEnv(kv, { CORS_ORIGINS: 'https://shop.test' })
    const res = await preflight(app, listed, '/v1/beacon')
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.test')
    expect(res.headers.get('access-control-allow-methods')!.split(',')).toContain('POST')
    expect(res.headers.get('access-control-allow-headers')!.split(',')).toContain('content-type')
    const other = await send(app, listed, beacon(noModel(1)), { origin: 'https://evil.test' })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('still checks beacons when telemetry is off, and records nothing', async () => {
    const off = testEnv(kv, { TELEMETRY_URL: '' })
    expect((await send(app, off, beacon(noModel(1)))).status).toBe(204)
    expect((await send(app, off, beacon())).status).toBe(400)
    now += 61_000
    expect((await send(app, off, beacon(noModel(1)))).status).toBe(204)
    expect(flushed).toEqual([])
  })

  it('answers 500 naming the binding when the rate limiter is not configured', async () => {
    const unlimited = testEnv(kv, { BEACON_RATE_LIMITER: undefined })
    const res = await send(app, unlimited, beacon(noModel(1)))
    expect(res.status).toBe(500)
    expect(await errorOf(res)).toMatchObject({
      code: 'misconfigured',
      message: 'the worker is misconfigured (BEACON_RATE_LIMITER)',
    })
  })
})
