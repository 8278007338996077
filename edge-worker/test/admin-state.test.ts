import type { SigningKey } from '@fcv/core'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../src/app.ts'
import type { Env } from '../src/env.ts'
import { bundleKey } from '../src/store.ts'
import {
  call,
  errorOf,
  newSigner,
  push,
  PUBLISHER_TOKEN,
  signedBundle,
  testEnv,
  TestKv,
  trusting,
} from './support.ts'

// GET /_admin/bundles: the control plane's reconciler reads what KV says this Worker serves.

let signer: SigningKey
let kv: TestKv
let bindings: Env
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  signer = await newSigner()
})

beforeEach(() => {
  kv = new TestKv()
  bindings = testEnv(kv, { TRUSTED_KEYS: trusting(signer) })
  app = createApp()
})

const auth = { headers: { authorization: `Bearer ${PUBLISHER_TOKEN}` } }

async function slots(): Promise<Record<string, unknown>[]> {
  const res = await call(app, bindings, '/_admin/bundles', auth)
  expect(res.status).toBe(200)
  expect(res.headers.get('cache-control')).toBe('no-store')
  return ((await res.json()) as { slots: Record<string, unknown>[] }).slots
}

describe('GET /_admin/bundles', () => {
  it('needs the publisher token', async () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }] as Record<string, string>[]) {
      const res = await call(app, bindings, '/_admin/bundles', { headers })
      expect(res.status).toBe(401)
      expect((await errorOf(res)).code).toBe('unauthorized')
    }
  })

  it('is empty before any push, then lists every pointer with its bundle stored', async () => {
    expect(await slots()).toEqual([])
    const v1 = await signedBundle(signer, '1')
    const v2 = await signedBundle(signer, '2')
    expect((await push(app, bindings, v1, 'edge')).status).toBe(200)
    expect((await push(app, bindings, v2, 'widget')).status).toBe(200)
    const canary = await push(app, bindings, v2, 'edge', 'canary', { 'x-fcv-canary-share': '0.25' })
    expect(canary.status).toBe(200)
    expect(await slots()).toEqual([
      expect.objectContaining({
        channel: 'edge',
        role: 'champion',
        model: 'fcv-ziln',
        version: '1',
        digest: v1.digest,
        stored: true,
      }),
      expect.objectContaining({
        channel: 'edge',
        role: 'canary',
        version: '2',
        digest: v2.digest,
        canaryShare: 0.25,
        stored: true,
      }),
      expect.objectContaining({ channel: 'widget', role: 'champion', digest: v2.digest }),
    ])
  })

  it('reads KV, not the isolate: a wiped namespace shows empty though the isolate still serves', async () => {
    const v1 = await signedBundle(signer, '1')
    await push(app, bindings, v1, 'edge')
    await kv.delete('pointer/edge/champion')
    await kv.delete(bundleKey(v1.digest))
    expect(await slots()).toEqual([])
    // The isolate keeps its last good champion: serving goes on while the reconciler restores KV.
    expect((await call(app, bindings, '/v1/model')).status).toBe(200)
  })

  it('says when a pointer names a bundle KV no longer holds', async () => {
    const v1 = await signedBundle(signer, '1')
    await push(app, bindings, v1, 'edge')
    await kv.delete(bundleKey(v1.digest))
    expect(await slots()).toEqual([
      expect.objectContaining({ channel: 'edge', role: 'champion', stored: false }),
    ])
  })

  it('answers 503 with Retry-After when KV is down', async () => {
    kv.down = true
    const res = await call(app, bindings, '/_admin/bundles', auth)
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('5')
    expect((await errorOf(res)).code).toBe('store_unavailable')
  })
})
