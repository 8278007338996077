import {
  computeFeatures,
  createScorer,
  defineFeatureSpec,
  historyFromTransactions,
  inCanary,
  parseModelJson,
  readScoringMetadata,
  type FeatureRow,
  type SigningKey,
} from '@fcv/core'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../src/app.ts'
import type { Env } from '../src/env.ts'
import type { CreateScorer, Prediction } from '../src/scoring.ts'
import type { TelemetryPayload } from '../src/telemetry.ts'
import {
  call,
  errorOf,
  fixture,
  modelOf,
  newSigner,
  postPredict,
  push,
  signedBundle,
  testEnv,
  TestKv,
  trusting,
  preflight,
} from './support.ts'

let signer: SigningKey
let kv: TestKv
let bindings: Env

beforeAll(async () => {
  signer = await newSigner()
})

beforeEach(() => {
  kv = new TestKv()
  bindings = testEnv(kv, { TRUSTED_KEYS: trusting(signer), MAX_CUSTOMERS_PER_REQUEST: '5' })
})

const predict = (app: ReturnType<typeof createApp>, body: unknown, env = bindings) =>
  postPredict(app, env, body)

/** 2026-01-01T00:00:00Z as epoch ms: a timestamp the Worker takes. */
const T = Date.UTC(2026, 0, 1)

const rows = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ customerId: `c${i}`, features: [i, 1, 2] }))

describe('POST /v1/predict: input', () => {
  const app = createApp({ createScorer: null })

  it('names the wrong field in a 400', async () => {
    const cases: [unknown, string][] = [
      [{}, 'customers'],
      [{ customers: [] }, 'customers'],
      [{ customers: [{ features: [1] }] }, 'customers[0].customerId'],
      [{ customers: [{ customerId: 'a', features: [1], extra: 1 }] }, 'customers[0]'],
      [{ customers: [{ customerId: 'a' }] }, 'exactly one of features or transactions'],
      [{ customers: [{ customerId: 'a', features: [1], transactions: [] }] }, 'exactly one'],
      [
        { customers: [{ customerId: 'a', features: [1, null] }] },
        'customers[0].features[1]: must be a finite number or a string of at most 256 characters',
      ],
      [{ customers: [{ customerId: 'a', features: [] }] }, 'customers[0].features: must hold 1'],
      [{ customers: [{ customerId: 'a', features: 'x' }] }, 'customers[0].features: must be an'],
      [
        { customers: [{ customerId: 'a', features: { '': 1 } }] },
        'customers[0].features[""]: a name',
      ],
      [
        { customers: [{ customerId: 'a', features: { spend: 'x'.repeat(257) } }] },
        'customers[0].features.spend: must be a finite number',
      ],
      [
        // the first wrong field, in the body's order, even when a later customer is wrong too
        {
          customers: [
            { customerId: 'a', features: [1] },
            { customerId: 'b', features: [1, { x: 1 }] },
            { features: [1] },
          ],
        },
        'customers[1].features[1]: must be',
      ],
      [
        { customers: [{ customerId: 'a', transactions: [{ timestamp: T, amountMinor: 1.5 }] }] },
        'customers[0].transactions[0].amountMinor',
      ],
      [
        {
          customers: [
            { customerId: 'a', transactions: [{ customerId: 'b', timestamp: T, amountMinor: 1 }] },
          ],
        },
        'customers[0].transactions[0].customerId',
      ],
      [{ customers: rows(1), asOf: 'yesterday' }, 'asOf'],
      [
        {
          customers: [{ customerId: 'a', transactions: [{ timestamp: T, amountMinor: 1, x: 1 }] }],
        },
        'customers[0].transactions[0]: Unrecognized key: "x"',
      ],
      [
        {
          customers: [
            { customerId: 'a', features: [1] },
            { customerId: 'b', transactions: [{ timestamp: 'noon', amountMinor: 1 }] },
          ],
        },
        'customers[1].transactions[0].timestamp: must be epoch ms or an ISO 8601',
      ],
      [
        {
          customers: [{ customerId: 'a', transactions: [{ timestamp: T + 0.5, amountMinor: 1 }] }],
        },
        'customers[0].transactions[0].timestamp: must be integer epoch ms',
      ],
      [
        {
          customers: [
            {
              customerId: 'a',
              transactions: [
                { timestamp: T, amountMinor: 1 },
                { timestamp: T + 1, amountMinor: 1, country: 'x'.repeat(129) },
              ],
            },
          ],
        },
        'customers[0].transactions[1].country: must be at most 128 characters',
      ],
      [
        {
          customers: [
            { customerId: 'a', transactions: [{ timestamp: T, amountMinor: 1, quantity: '2' }] },
          ],
        },
        'customers[0].transactions[0].quantity: must be a finite number',
      ],
      [
        { customers: [{ customerId: 'a', transactions: [7] }] },
        'customers[0].transactions[0]: must be an object',
      ],
    ]
    for (const [body, field] of cases) {
      const res = await predict(app, body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      const error = await errorOf(res)
      expect(error.code).toBe('invalid_request')
      expect(error.message, JSON.stringify(body)).toContain(field)
    }
  })

  it("refuses numeric timestamps that can only be epoch seconds (or µs, ns): core's rule", async () => {
    const seconds = 1_714_644_000
    const res = await predict(app, {
      customers: [
        { customerId: 'a', features: [1] },
        {
          customerId: 'b',
          transactions: [
            { timestamp: '2024-05-01T10:00:00Z', amountMinor: 1 },
            { timestamp: seconds * 1000, amountMinor: 1 },
            { timestamp: seconds, amountMinor: 1 },
          ],
        },
      ],
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({
      error: {
        code: 'invalid_request',
        message:
          'customers[1].transactions[2].timestamp: 1714644000 looks like epoch seconds ' +
          '(2024-05-02T10:00:00.000Z as seconds); send epoch milliseconds or an ISO 8601 date-time',
        details: { field: 'customers[1].transactions[2].timestamp' },
      },
    })
    const micro = await predict(app, {
      customers: [
        { customerId: 'a', transactions: [{ timestamp: seconds * 1e6, amountMinor: 1 }] },
      ],
    })
    expect(micro.status).toBe(400)
    expect((await errorOf(micro)).message).toBe(
      'customers[0].transactions[0].timestamp: 1714644000000000 looks like epoch microseconds ' +
        '(2024-05-02T10:00:00.000Z as microseconds); send epoch milliseconds or an ISO 8601 date-time'
    )
  })

  it('refuses a customerId sent twice, naming both places', async () => {
    const res = await predict(app, {
      customers: [
        { customerId: 'c1', features: [1] },
        { customerId: 'c2', features: [1] },
        { customerId: 'C1', features: [1] },
        { customerId: 'c1', transactions: [{ timestamp: T, amountMinor: 1 }] },
        { customerId: 'c2', features: [1] },
      ],
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({
      error: {
        code: 'invalid_request',
        message:
          'customers[3].customerId: "c1" is also customers[0].customerId; send each customer once',
        details: { field: 'customers[3].customerId', duplicateOf: 'customers[0].customerId' },
      },
    })
    // Ids are compared exactly: these are two customers (and there is no model yet).
    const distinct = await predict(app, {
      customers: [
        { customerId: 'c1', features: [1] },
        { customerId: 'C1', features: [1] },
      ],
    })
    expect(distinct.status).toBe(503)
  })

  it('takes JSON content types only (415 before the body is read); the CORS preflight still answers', async () => {
    const body = JSON.stringify({ customers: rows(1) })
    const send = (headers: Record<string, string>, payload: BodyInit = body) =>
      call(app, bindings, '/v1/predict', { method: 'POST', headers, body: payload })
    for (const type of [
      'application/json',
      'application/json; charset=utf-8',
      'Application/JSON;charset=UTF-8',
      'application/problem+json',
      'application/vnd.fcv.predict+json; version=1',
    ]) {
      const res = await send({ 'content-type': type })
      expect(res.status, type).toBe(503) // past the check: no model yet
    }
    const refused: [Record<string, string>, BodyInit, string][] = [
      [{}, new TextEncoder().encode(body), 'no content-type'], // fetch sets none for bytes
      [{}, body, 'content-type "text/plain;charset=UTF-8"'], // nor a browser's simple request
      [
        { 'content-type': 'application/x-www-form-urlencoded' }, // curl -d without -H
        body,
        'content-type "application/x-www-form-urlencoded"',
      ],
      [{ 'content-type': 'text/json' }, body, 'content-type "text/json"'],
      [{ 'content-type': 'application/json-seq' }, body, 'content-type "application/json-seq"'],
      [{ 'content-type': 'application/jsonx' }, body, 'content-type "application/jsonx"'],
      [
        { 'content-type': 'multipart/form-data; boundary=x' },
        body,
        'content-type "multipart/form-data; boundary=x"',
      ],
    ]
    for (const [headers, payload, said] of refused) {
      const res = await send(headers, payload)
      expect(res.status, said).toBe(415)
      expect(await errorOf(res), said).toEqual({
        code: 'unsupported_media_type',
        message: `${said}; the body must be JSON: send content-type: application/json`,
        requestId: expect.any(String),
      })
    }
    const options = await preflight(app, bindings, '/v1/predict')
    expect(options.status).toBe(204)
    expect(options.headers.get('access-control-allow-origin')).toBe('*')
    expect(options.headers.get('access-control-allow-headers')).toContain('content-type')
  })

  it('refuses malformed JSON with 400, more customers than allowed and oversized bodies with 413', async () => {
    const malformed = await predict(app, '{"customers": [')
    expect(malformed.status).toBe(400)
    expect((await errorOf(malformed)).code).toBe('malformed')

    const many = await predict(app, { customers: rows(6) })
    expect(many.status).toBe(413)
    expect(await errorOf(many)).toMatchObject({ code: 'too_many_customers' })

    const small = testEnv(kv, { TRUSTED_KEYS: trusting(signer), MAX_PREDICT_BODY_BYTES: '100' })
    const big = await predict(app, { customers: rows(5) }, small)
    expect(big.status).toBe(413)
    expect((await errorOf(big)).code).toBe('payload_too_large')
  })

  it('answers 503 with Retry-After while there is no model', async () => {
    const res = await predict(app, { customers: rows(2) })
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('30')
    expect((await errorOf(res)).code).toBe('no_model')
  })

  it('answers 503 scorer_unavailable while the worker has no scorer built in', async () => {
    await push(app, bindings, await signedBundle(signer, '1'), 'edge')
    const res = await predict(app, { customers: rows(2) })
    expect(res.status).toBe(503)
    expect((await errorOf(res)).code).toBe('scorer_unavailable')
  })
})

/**
 * Stands in for core's scorer (core/src/scoring/scorer.ts) until it lands: expected = the sum of the
 * numeric features, or the number of transactions; the version is the bundle's.
 */
const fakeScorer =
  (built: string[] = []): CreateScorer =>
  async ({ version }) => {
    built.push(version)
    const prediction = (customerId: string, expected: number): Prediction => ({
      customerId,
      expected,
      pBuy: 0.5,
      p10: 0,
      p50: expected / 2,
      p90: expected * 2,
      modelVersion: version,
      featureSpecVersion: 'v2',
    })
    const scoreFeatures = (input: readonly FeatureRow[]) =>
      input.map((r) =>
        prediction(
          r.customerId,
          Object.values(r.features).reduce<number>((a, v) => a + (typeof v === 'number' ? v : 0), 0)
        )
      )
    return {
      version,
      featureSpecVersion: 'v2',
      featureNames: ['spend_30d'],
      engine: 'interpreter',
      kernel: 'js',
      scoreFeatures,
      scoreFeaturesWithVariance: (input) => ({
        predictions: scoreFeatures(input),
        variance: new Float64Array(input.length),
      }),
      scoreHistories: (items) => items.map((i) => prediction(i.customerId, i.transactions.length)),
      historyFeatures: (items) =>
        items.map((i) => (i.transactions.length ? [i.transactions.length] : null)),
      dispose: () => {},
    }
  }

describe('POST /v1/predict: scoring (against the scorer interface)', () => {
  it('returns one prediction per customer, in order, from feature rows and histories', async () => {
    const built: string[] = []
    const app = createApp({ createScorer: fakeScorer(built) })
    await push(app, bindings, await signedBundle(signer, '1'), 'edge')
    const res = await predict(app, {
      customers: [
        { customerId: 'a', features: [1, 2, 3] },
        {
          customerId: 'b',
          transactions: [
            { timestamp: Date.parse('2026-01-01T00:00:00Z'), amountMinor: 1000 },
            { timestamp: '2026-02-01T00:00:00Z', amountMinor: -200, orderId: 'o2' },
          ],
        },
        { customerId: 'c', features: { spend_30d: 4, country: 'GB' } },
      ],
      asOf: '2026-03-01T00:00:00Z',
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = (await res.json()) as { asOf: string; predictions: Record<string, unknown>[] }
    // What the numbers are in, once for the response: the champion manifest's horizon and currency.
    expect(Object.keys(body)).toEqual([
      'asOf',
      'horizonDays',
      'currency',
      'currencyExponent',
      'amountUnit',
      'warnings',
      'predictions',
    ])
    expect(body).toMatchObject({
      asOf: '2026-03-01T00:00:00.000Z',
      horizonDays: 90,
      currency: 'GBP',
      currencyExponent: 2,
      amountUnit: 'major',
    })
    expect(
      body.predictions.map((p) => [p.customerId, p.expected, p.variant, p.modelVersion])
    ).toEqual([
      ['a', 6, 'champion', '1'],
      ['b', 2, 'champion', '1'],
      ['c', 4, 'champion', '1'],
    ])
    await predict(app, { customers: rows(2) })
    expect(built).toEqual(['1']) // one scorer per bundle per isolate
  })

  it('sends the canary its share of customers by the stable hash, and scores the shadow for telemetry only', async () => {
    const flushed: TelemetryPayload[] = []
    const app = createApp({
      createScorer: fakeScorer(),
      fetch: async (_url, init) => {
        flushed.push(JSON.parse(String(init?.body)) as TelemetryPayload)
        return new Response(null, { status: 204 })
      },
    })
    const env = testEnv(kv, {
      TRUSTED_KEYS: trusting(signer),
      TELEMETRY_URL: 'https://control-plane.test/v1/telemetry',
      TELEMETRY_FLUSH_PREDICTIONS: '1',
    })
    await push(app, env, await signedBundle(signer, '1'), 'edge')
    await push(app, env, await signedBundle(signer, '2'), 'edge', 'canary', {
      'x-fcv-canary-share': '0.5',
    })
    await push(app, env, await signedBundle(signer, '3'), 'edge', 'shadow')
    const customers = Array.from({ length: 40 }, (_, i) => ({
      customerId: `cust-${i}`,
      features: [i],
    }))
    const res = await predict(app, { customers: customers.slice(0, 5) }, env)
    const body = (await res.json()) as {
      predictions: { customerId: string; variant: string; modelVersion: string }[]
    }
    for (const p of body.predictions) {
      const canary = inCanary(p.customerId, 0.5)
      expect(p).toMatchObject({
        variant: canary ? 'canary' : 'champion',
        modelVersion: canary ? '2' : '1',
      })
    }
    expect(body.predictions.some((p) => p.modelVersion === '3')).toBe(false)

    expect(flushed).toHaveLength(1)
    const payload = flushed[0]!
    expect(payload.schema).toBe('fcv.edge.telemetry/v1')
    expect(payload.requests).toEqual([{ outcome: 'ok', n: 1 }])
    const byVariant = Object.fromEntries(payload.predictions.map((p) => [p.variant, p]))
    expect(byVariant['shadow']).toMatchObject({ modelVersion: '3', n: 5, errors: 0 })
    expect((byVariant['champion']?.n ?? 0) + (byVariant['canary']?.n ?? 0)).toBe(5)
    expect(payload.features.map((f) => f.name)).toEqual(['spend_30d'])
  })
})

describe('POST /v1/predict: units', () => {
  const units = async (res: Response) => {
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, unknown> & {
      predictions: { variant: string }[]
    }
    const { horizonDays, currency, currencyExponent, amountUnit } = body
    const variants = [...new Set(body.predictions.map((p) => p.variant))]
    return { horizonDays, currency, currencyExponent, amountUnit, variants }
  }

  it("states the champion's currency and horizon; a canary in other units serves nobody", async () => {
    const app = createApp({ createScorer: fakeScorer() })
    const eur = { currency: 'EUR', horizonDays: 60 }
    await push(app, bindings, await signedBundle(signer, '1', {}, eur), 'edge')
    await push(app, bindings, await signedBundle(signer, '2'), 'edge', 'canary', {
      'x-fcv-canary-share': '1',
    })
    const body = { customers: rows(5) }
    expect(await units(await predict(app, body))).toEqual({
      ...eur,
      currencyExponent: 2,
      amountUnit: 'major',
      variants: ['champion'],
    })
    // The same canary in the champion's units takes its share (all of it).
    await push(app, bindings, await signedBundle(signer, '3', {}, eur), 'edge', 'canary', {
      'x-fcv-canary-share': '1',
    })
    expect(await units(await predict(app, body))).toMatchObject({ ...eur, variants: ['canary'] })
  })

  it('says currencyExponent null when the bundle does not state it', async () => {
    const app = createApp({ createScorer: fakeScorer() })
    const featureSpec = { version: 'v2' } // no currencyExponent
    await push(app, bindings, await signedBundle(signer, '1', {}, { featureSpec }), 'edge')
    expect(await units(await predict(app, { customers: rows(1) }))).toMatchObject({
      currency: 'GBP',
      currencyExponent: null,
    })
  })
})

describe('the calibrated window: GET /v1/model shows it, POST /v1/predict flags an asOf outside it', () => {
  const spring = { from: '2026-03-01', to: '2026-05-30', levelAdjusted: true }
  const summer = { from: '2026-05-30', to: '2026-08-28', levelAdjusted: false }
  // Two customers of each at share 0.5 (at most 5 per request here).
  const ids = Array.from({ length: 40 }, (_, i) => `w-${i}`)
  const customers = [
    ...ids.filter((id) => inCanary(id, 0.5)).slice(0, 2),
    ...ids.filter((id) => !inCanary(id, 0.5)).slice(0, 2),
  ].map((customerId, i) => ({ customerId, features: [i + 1] }))
  type Body = {
    warnings: { code: string; modelVersion: string; calibratedWindow: unknown; message: string }[]
    predictions: { variant: string }[]
  }
  const answer = async (app: ReturnType<typeof createApp>, asOf: string) => {
    const res = await predict(app, { customers, asOf })
    expect(res.status).toBe(200)
    return (await res.json()) as Body
  }

  it('names each slot’s window in GET /v1/model; a model trained before windows has null', async () => {
    const app = createApp({ createScorer: fakeScorer() })
    await push(
      app,
      bindings,
      await signedBundle(signer, '1', {}, { calibratedWindow: spring }),
      'edge'
    )
    await push(app, bindings, await signedBundle(signer, '2'), 'edge', 'canary', {
      'x-fcv-canary-share': '0.5',
    })
    const model = await modelOf(app, bindings)
    expect(model.champion.calibratedWindow).toEqual(spring)
    expect(model.champion.manifest['calibratedWindow']).toEqual(spring) // signed with the rest
    expect(model.canary?.calibratedWindow).toBeNull()
  })

  it('warns for each model that scored someone at an asOf outside its window, and scores them all the same', async () => {
    const app = createApp({ createScorer: fakeScorer() })
    await push(
      app,
      bindings,
      await signedBundle(signer, '1', {}, { calibratedWindow: spring }),
      'edge'
    )
    await push(
      app,
      bindings,
      await signedBundle(signer, '2', {}, { calibratedWindow: summer }),
      'edge',
      'canary',
      { 'x-fcv-canary-share': '0.5' }
    )
    // Inside the champion's window, before the canary's: only the canary's customers are flagged.
    const april = await answer(app, '2026-04-01T00:00:00Z')
    expect(new Set(april.predictions.map((p) => p.variant))).toEqual(
      new Set(['champion', 'canary'])
    )
    expect(april.warnings).toEqual([
      {
        code: 'as_of_outside_calibrated_window',
        modelVersion: '2',
        calibratedWindow: summer,
        message:
          'asOf 2026-04-01T00:00:00.000Z is outside the window model version 2 is calibrated for, ' +
          '[2026-05-30, 2026-08-28): it was fitted for predictions as of those days, so its ' +
          'predictions as of other days may be too high or too low',
      },
    ])
    // The champion's end is outside its window; the same day starts the canary's.
    expect((await answer(app, '2026-05-30T00:00:00Z')).warnings.map((w) => w.modelVersion)).toEqual(
      ['1']
    )
    // Champion first, then canary.
    expect((await answer(app, '2027-01-01T00:00:00Z')).warnings.map((w) => w.modelVersion)).toEqual(
      ['1', '2']
    )
    expect((await answer(app, '2026-03-01T00:00:00Z')).warnings.map((w) => w.modelVersion)).toEqual(
      ['2']
    )
  })

  it('says nothing of a model without a window, nor of a canary that scored nobody', async () => {
    const app = createApp({ createScorer: fakeScorer() })
    await push(app, bindings, await signedBundle(signer, '1'), 'edge')
    expect((await answer(app, '2031-01-01T00:00:00Z')).warnings).toEqual([])
    await push(
      app,
      bindings,
      await signedBundle(signer, '2', {}, { calibratedWindow: spring }),
      'edge',
      'canary',
      {
        'x-fcv-canary-share': '0.5',
      }
    )
    const one = customers.find((c) => !inCanary(c.customerId, 0.5))!
    const res = await predict(app, { customers: [one], asOf: '2031-01-01T00:00:00Z' })
    expect(((await res.json()) as Body).warnings).toEqual([])
  })
})

describe("POST /v1/predict with core's scorer", () => {
  const day = 86_400_000
  const asOf = Date.parse('2026-06-01T00:00:00Z')
  const histories = [
    {
      customerId: 'h1',
      transactions: [
        {
          timestamp: asOf - 200 * day,
          amountMinor: 4_500,
          orderId: 'o1',
          country: 'United Kingdom',
        },
        { timestamp: asOf - 40 * day, amountMinor: 12_000, orderId: 'o2', productId: 'p9' },
        { timestamp: asOf - 39 * day, amountMinor: -2_000, orderId: 'o2r' },
        { timestamp: asOf + 5 * day, amountMinor: 99_999, orderId: 'future' }, // after asOf: ignored
      ],
    },
    {
      customerId: 'h2',
      transactions: [{ timestamp: asOf - 3 * day, amountMinor: 800, country: 'France' }],
    },
  ]

  it('scores feature rows and raw histories exactly as core does', async () => {
    const app = createApp({ createScorer })
    await push(app, bindings, await signedBundle(signer, '1'), 'edge')
    const reference = await createScorer({ ...fixture, version: '1' })
    const expected = reference.scoreHistories(histories, asOf)

    const metadata = readScoringMetadata(parseModelJson(fixture.modelJson))
    const spec = defineFeatureSpec(metadata.featureSpec)
    const vectors = histories.map((h) => {
      const txs = h.transactions.map((t) => ({ ...t, customerId: h.customerId }))
      return computeFeatures(historyFromTransactions(txs), asOf, spec, metadata.btyd)!
    })
    const byName = Object.fromEntries(spec.features.map((f, i) => [f.name, vectors[1]![i]!]))
    const res = await predict(app, {
      asOf: new Date(asOf).toISOString(),
      customers: [
        ...histories,
        // The same customers as rows, under other ids (one id once per request).
        { customerId: 'h1-row', features: vectors[0] },
        { customerId: 'h2-row', features: byName },
      ],
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { predictions: (Prediction & { variant: string })[] }
    expect(body.predictions.map((p) => p.variant)).toEqual(Array(4).fill('champion'))
    const scores = body.predictions.map(({ variant: _, ...p }) => p)
    const asRows = expected.map((p) => ({ ...p, customerId: `${p.customerId}-row` }))
    expect(scores).toEqual([...expected, ...asRows])
    expect(expected[0]).toMatchObject({ modelVersion: '1', featureSpecVersion: 'v2' })
    expect(expected[0]!.p10).toBeLessThanOrEqual(expected[0]!.p90)
  })

  it("names the request's field when the scorer refuses an input (400)", async () => {
    const app = createApp({ createScorer })
    await push(app, bindings, await signedBundle(signer, '1'), 'edge')
    const short = await predict(app, {
      customers: [histories[0], { customerId: 'x', features: [1, 2, 3] }],
      asOf: new Date(asOf).toISOString(),
    })
    expect(short.status).toBe(400)
    expect((await errorOf(short)).message).toMatch(/^customers\[1\]\.features: has 3 values/)
    const bad = await predict(app, {
      customers: [histories[0], { customerId: 'y', transactions: [{ timestamp: asOf }] }],
      asOf: new Date(asOf).toISOString(),
    })
    expect(bad.status).toBe(400)
    expect((await errorOf(bad)).message).toMatch(
      /^customers\[1\]\.transactions\[0\]\.amountMinor: /
    )
  })

  it('takes ISO 8601 timestamps as the same instants as epoch ms', async () => {
    const app = createApp({ createScorer })
    await push(app, bindings, await signedBundle(signer, '1'), 'edge')
    const iso = histories.map((h) => ({
      ...h,
      transactions: h.transactions.map((t) => ({
        ...t,
        timestamp: new Date(t.timestamp).toISOString().replace('Z', '+00:00'),
      })),
    }))
    const at = new Date(asOf).toISOString()
    const a = await predict(app, { customers: histories, asOf: at })
    const b = await predict(app, { customers: iso, asOf: at })
    expect(a.status).toBe(200)
    expect(await b.json()).toEqual(await a.json())
  })

  it('answers a customer with no purchase before asOf in its place, and scores the rest', async () => {
    const app = createApp({ createScorer })
    await push(app, bindings, await signedBundle(signer, '1'), 'edge')
    const reference = await createScorer({ ...fixture, version: '1' })
    const res = await predict(app, {
      customers: [
        { customerId: 'late', transactions: [{ timestamp: asOf + day, amountMinor: 100 }] },
        histories[0],
        { customerId: 'refund-only', transactions: [{ timestamp: asOf - day, amountMinor: -500 }] },
        histories[1],
      ],
      asOf: new Date(asOf).toISOString(),
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { predictions: Record<string, unknown>[] }
    const expected = reference.scoreHistories([histories[0]!, histories[1]!], asOf)
    expect(body.predictions[1]).toEqual({ ...expected[0], variant: 'champion' })
    expect(body.predictions[3]).toEqual({ ...expected[1], variant: 'champion' })
    for (const [i, id] of [
      [0, 'late'],
      [2, 'refund-only'],
    ] as const) {
      expect(body.predictions[i]).toEqual({
        customerId: id,
        error: {
          code: 'no_purchase_before_as_of',
          message: expect.stringMatching(/^no purchase before asOf \(2026-06-01T00:00:00\.000Z\)/),
        },
      })
    }
  })

  it('the deployed worker (default export) has the scorer built in', async () => {
    const { default: worker } = await import('../src/index.ts')
    await push(worker, bindings, await signedBundle(signer, '4'), 'edge')
    const res = await predict(worker, { customers: histories, asOf: new Date(asOf).toISOString() })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { predictions: Prediction[] }
    expect(body.predictions.map((p) => p.modelVersion)).toEqual(['4', '4'])
  })
})
