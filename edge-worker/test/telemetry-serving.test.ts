// Telemetry's `serving` inside workerd: each report says which champion, canary and shadow versions
// the isolate would serve now, per channel it has a view of, so the control plane can see an
// isolate still serving a version after a deployment changed. Bundles are pushed through another
// app (another isolate, as the control plane's publisher reaches any of them), so the isolate under
// test knows only what its own requests loaded from KV.

import { createScorer, TelemetryPayloadSchema, type SigningKey } from '@fcv/core'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../src/app.ts'
import type { Env } from '../src/env.ts'
import type { TelemetryPayload } from '../src/telemetry.ts'
import parity from './fixtures/feature-parity.json' with { type: 'json' }
import {
  call,
  fixture,
  modelOf,
  newSigner,
  postPredict,
  push,
  signedBundle,
  testEnv,
  TestKv,
  trusting,
} from './support.ts'

/** The fixture model with the parity fixture's feature spec, so its vectors score. */
function modelJson(): Uint8Array {
  const doc = JSON.parse(new TextDecoder().decode(fixture.modelJson)) as {
    userDefinedMetadata: { fcv: Record<string, unknown> }
  }
  doc.userDefinedMetadata.fcv['featureSpec'] = parity.featureSpec
  doc.userDefinedMetadata.fcv['btyd'] = parity.btyd
  return new TextEncoder().encode(JSON.stringify(doc))
}

const FLUSH_MS = 60_000
const T0 = Date.UTC(2026, 0, 1)

let signer: SigningKey
let now: number
let flushed: TelemetryPayload[]
let app: ReturnType<typeof createApp>
let publisher: ReturnType<typeof createApp>
let bindings: Env

beforeAll(async () => {
  signer = await newSigner()
})

beforeEach(() => {
  now = T0
  flushed = []
  app = createApp({
    createScorer,
    now: () => now,
    fetch: async (_url, init) => {
      flushed.push(JSON.parse(String(init?.body)) as TelemetryPayload)
      return new Response(null, { status: 202 })
    },
  })
  publisher = createApp({ createScorer: null })
  bindings = testEnv(new TestKv(), {
    TRUSTED_KEYS: trusting(signer),
    TELEMETRY_URL: 'https://control-plane.test/v1/telemetry',
    TELEMETRY_FLUSH_SECONDS: String(FLUSH_MS / 1000),
  })
})

const bundle = (version: string) => signedBundle(signer, version, { modelJson: modelJson() })

async function predict(expected = 200): Promise<void> {
  const res = await postPredict(app, bindings, {
    customers: parity.customers
      .slice(0, 4)
      .map(({ customerId, features }) => ({ customerId, features })),
  })
  expect(res.status, await res.clone().text()).toBe(expected)
}

/** The last report, checked against the control plane's schema. */
function lastReport(): TelemetryPayload {
  const report = flushed.at(-1)!
  const parsed = TelemetryPayloadSchema.safeParse(JSON.parse(JSON.stringify(report)))
  expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true)
  return report
}

describe('telemetry reports what the isolate serves', () => {
  it('names the edge champion and canary, the widget champion once a page fetched it, and the new champion after a promotion', async () => {
    await push(publisher, bindings, await bundle('1'), 'edge')
    await push(publisher, bindings, await bundle('2'), 'edge', 'canary', {
      'x-fcv-canary-share': '0.5',
    })
    await push(publisher, bindings, await bundle('5'), 'widget')

    await predict()
    now += FLUSH_MS
    await predict()
    expect(flushed).toHaveLength(1)
    expect(lastReport().serving).toEqual([
      { channel: 'edge', variant: 'champion', modelVersion: '1' },
      { channel: 'edge', variant: 'canary', modelVersion: '2' },
    ])

    // A page fetches the widget bundle: nothing is counted, but the window opens and the flush
    // interval sends a report that has only `serving`.
    now += FLUSH_MS
    expect((await call(app, bindings, '/v1/bundle')).status).toBe(200)
    expect(flushed).toHaveLength(1)
    now += FLUSH_MS
    expect((await call(app, bindings, '/v1/bundle')).status).toBe(200)
    expect(flushed).toHaveLength(2)
    const servingOnly = lastReport()
    expect(servingOnly).toMatchObject({ requests: [], predictions: [], features: [] })
    expect(servingOnly.serving).toEqual([
      { channel: 'edge', variant: 'champion', modelVersion: '1' },
      { channel: 'edge', variant: 'canary', modelVersion: '2' },
      { channel: 'widget', variant: 'champion', modelVersion: '5' },
    ])

    // The control plane promotes 3 on the edge; this isolate sees it at its next refresh (a
    // request after MODEL_REFRESH_SECONDS, here 0, reads the pointers after its response).
    await push(publisher, bindings, await bundle('3'), 'edge')
    now += FLUSH_MS
    expect((await modelOf(app, bindings)).champion.version).toBe('1') // stale while revalidating
    now += FLUSH_MS
    await predict()
    const promoted = lastReport()
    expect(promoted.serving).toEqual([
      { channel: 'edge', variant: 'champion', modelVersion: '3' },
      { channel: 'edge', variant: 'canary', modelVersion: '2' },
      { channel: 'widget', variant: 'champion', modelVersion: '5' },
    ])
    expect(promoted.predictions.map((p) => p.modelVersion)).not.toContain('1')
  })

  it('sends no serving section from an isolate that has nothing to serve', async () => {
    await predict(503)
    now += FLUSH_MS
    await predict(503)
    expect(flushed).toHaveLength(1)
    const report = lastReport()
    expect(report.requests).toEqual([{ outcome: 'no_model', n: 2 }])
    expect(report).not.toHaveProperty('serving')
  })
})
