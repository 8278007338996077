import { sha256Hex, type BuiltBundle, type SigningKey } from '@fcv/core'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../src/app.ts'
import type { Env } from '../src/env.ts'
import { putPointer } from '../src/store.ts'
import {
  call,
  errorOf,
  modelOf,
  newSigner,
  push,
  signedBundle,
  testEnv,
  TestKv,
  trusting,
  preflight,
} from './support.ts'

let signer: SigningKey
let v1: BuiltBundle
let v2: BuiltBundle
let kv: TestKv
let bindings: Env
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  signer = await newSigner()
  v1 = await signedBundle(signer, '1')
  v2 = await signedBundle(signer, '2')
})

beforeEach(() => {
  kv = new TestKv()
  bindings = testEnv(kv, { TRUSTED_KEYS: trusting(signer) })
  app = createApp()
})

describe('GET /v1/model', () => {
  it("describes the edge champion: the manifest without the file table, and where it's from", async () => {
    await push(app, bindings, v1, 'edge')
    const body = await modelOf(app, bindings)
    expect(body).toMatchObject({
      channel: 'edge',
      champion: {
        model: 'fcv-ziln',
        version: '1',
        digest: v1.digest,
        keyId: signer.keyId,
        bundleUrl: `/v1/bundle/${v1.digest}`,
        manifest: { name: 'fcv-ziln', version: '1', horizonDays: 90, currency: 'GBP' },
      },
      canary: null,
      shadow: null,
      problem: null,
    })
    expect(body.champion.manifest.featureSpec.version).toBe('v2')
    expect(body.champion.manifest).not.toHaveProperty('files')
  })

  it('answers 503 with Retry-After before anything was published', async () => {
    const res = await call(app, bindings, '/v1/model')
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('30')
    expect((await errorOf(res)).code).toBe('no_model')
  })
})

describe('GET /v1/bundle', () => {
  it('serves the widget champion with its digest as ETag, revalidated, and 304 when unchanged', async () => {
    await push(app, bindings, v1, 'widget')
    await push(app, bindings, v2, 'edge') // another channel: not what widgets get
    const res = await call(app, bindings, '/v1/bundle', {
      headers: { origin: 'https://shop.test' },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('etag')).toBe(`"${v1.digest}"`)
    expect(res.headers.get('cache-control')).toBe('public, max-age=0, must-revalidate')
    expect(res.headers.get('content-location')).toBe(`/v1/bundle/${v1.digest}`)
    expect(res.headers.get('x-fcv-version')).toBe('1')
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('access-control-expose-headers')).toContain('etag')
    const bytes = new Uint8Array(await res.arrayBuffer())
    expect(await sha256Hex(bytes)).toBe(v1.digest)

    for (const tag of [`"${v1.digest}"`, `W/"${v1.digest}"`, `"x", "${v1.digest}"`]) {
      const again = await call(app, bindings, '/v1/bundle', { headers: { 'if-none-match': tag } })
      expect(again.status, tag).toBe(304)
      expect(again.headers.get('etag')).toBe(`"${v1.digest}"`)
      expect(await again.text()).toBe('')
    }
    await push(app, bindings, v2, 'widget')
    const changed = await call(app, bindings, '/v1/bundle', {
      headers: { 'if-none-match': `"${v1.digest}"` },
    })
    expect(changed.status).toBe(200)
    expect(changed.headers.get('etag')).toBe(`"${v2.digest}"`)
  })

  it('serves a bundle by digest as immutable, 404 for one it does not have, 400 for a bad digest', async () => {
    await push(app, bindings, v1, 'widget')
    const res = await call(app, bindings, `/v1/bundle/${v1.digest}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(res.headers.get('etag')).toBe(`"${v1.digest}"`)
    // From a fresh isolate (nothing cached), straight from KV:
    const fresh = await call(createApp(), bindings, `/v1/bundle/${v1.digest}`)
    expect(fresh.status).toBe(200)
    expect(await sha256Hex(new Uint8Array(await fresh.arrayBuffer()))).toBe(v1.digest)
    expect((await call(app, bindings, `/v1/bundle/${'0'.repeat(64)}`)).status).toBe(404)
    expect((await call(app, bindings, '/v1/bundle/not-a-digest')).status).toBe(400)
  })

  it('applies CORS_ORIGINS: listed origins only, preflight included', async () => {
    const listed = testEnv(kv, {
      TRUSTED_KEYS: trusting(signer),
      CORS_ORIGINS: 'https://shop.test, https://other.test',
    })
    await push(app, listed, v1, 'widget')
    const ok = await call(app, listed, '/v1/bundle', { headers: { origin: 'https://other.test' } })
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://other.test')
    expect(ok.headers.get('vary')).toContain('Origin')
    const no = await call(app, listed, '/v1/bundle', { headers: { origin: 'https://evil.test' } })
    expect(no.headers.get('access-control-allow-origin')).toBeNull()
    const options = await preflight(app, listed, '/v1/predict')
    expect(options.status).toBe(204)
    expect(options.headers.get('access-control-allow-origin')).toBe('https://shop.test')
    expect(options.headers.get('access-control-allow-methods')).toContain('POST')
  })
})

describe('keeping the last good model', () => {
  it('keeps serving when KV fails, and says so', async () => {
    await push(app, bindings, v1, 'edge')
    await push(app, bindings, v1, 'widget')
    kv.down = true
    const body = await modelOf(app, bindings)
    expect(body.champion.version).toBe('1')
    expect(body.problem).toContain('simulated outage')
    const bundle = await call(app, bindings, '/v1/bundle')
    expect(bundle.status).toBe(200)
    expect(bundle.headers.get('etag')).toBe(`"${v1.digest}"`)
    expect((await call(app, bindings, `/v1/bundle/${v1.digest}`)).status).toBe(200) // cached

    kv.down = false
    expect((await modelOf(app, bindings)).problem).toBeNull()
  })

  it('a fresh isolate with KV down has nothing to serve: 503, and a bundle by digest is 503 too', async () => {
    await push(app, bindings, v1, 'edge')
    kv.down = true
    const fresh = createApp()
    const res = await call(fresh, bindings, '/v1/model')
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('30')
    const byDigest = await call(fresh, bindings, `/v1/bundle/${v1.digest}`)
    expect(byDigest.status).toBe(503)
    expect(byDigest.headers.get('retry-after')).not.toBeNull()
  })

  it('keeps the last good model when a pointer names a bundle KV does not have (yet)', async () => {
    await push(app, bindings, v1, 'edge')
    const missing = 'f'.repeat(64)
    await putPointer(kv.asBinding(), 'edge', 'champion', {
      digest: missing,
      model: 'fcv-ziln',
      version: '9',
      at: new Date().toISOString(),
    })
    const body = await modelOf(app, bindings)
    expect(body.champion.version).toBe('1')
    expect(body.problem).toContain('not in KV')
  })

  it('never loads a stored bundle that does not verify, even from KV', async () => {
    await push(app, bindings, v1, 'edge')
    // Written around the admin route (wrangler kv key put, say): signed by a key no longer trusted.
    const other = await signedBundle(await newSigner(), '5')
    await kv.put(`bundle/${other.digest}`, other.bytes)
    await putPointer(kv.asBinding(), 'edge', 'champion', {
      digest: other.digest,
      model: 'fcv-ziln',
      version: '5',
      at: new Date().toISOString(),
    })
    const body = await modelOf(app, bindings)
    expect(body.champion.version).toBe('1')
    expect(body.problem).toContain('unknown-key')
    // A fresh isolate has no last good model, and still does not load it.
    const fresh = await call(createApp(), bindings, '/v1/model')
    expect(fresh.status).toBe(503)
    expect((await call(app, bindings, `/v1/bundle/${other.digest}`)).status).toBe(404)
  })

  it('reads KV at most once per MODEL_REFRESH_SECONDS per channel', async () => {
    let now = 1_000_000
    const clocked = createApp({ now: () => now })
    const slow = testEnv(kv, { TRUSTED_KEYS: trusting(signer), MODEL_REFRESH_SECONDS: '10' })
    await push(clocked, slow, v1, 'edge')
    const version = async () => (await modelOf(clocked, slow)).champion.version
    expect(await version()).toBe('1')
    await push(app, slow, v2, 'edge') // through another isolate: this one learns on refresh
    const before = kv.reads
    now += 5_000
    expect(await version()).toBe('1')
    expect(kv.reads).toBe(before)
    now += 6_000
    expect(await version()).toBe('2')
    expect(kv.reads).toBe(before + 4) // the three pointers, then the new bundle
  })
})
