import { sha256Hex, type BuiltBundle, type SigningKey } from '@fcv/core'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../src/app.ts'
import type { Env } from '../src/env.ts'
import { putPointer } from '../src/store.ts'
import {
  call,
  errorOf,
  PUBLISHER_TOKEN,
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
let v3: BuiltBundle
let kv: TestKv
let bindings: Env
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  signer = await newSigner()
  v1 = await signedBundle(signer, '1')
  v2 = await signedBundle(signer, '2')
  v3 = await signedBundle(signer, '3')
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

  it('names the canary (digest, share) and the shadow on 200 and 304, and exposes them to pages', async () => {
    await push(app, bindings, v1, 'widget')
    await push(app, bindings, v2, 'widget', 'canary', { 'x-fcv-canary-share': '0.25' })
    await push(app, bindings, v3, 'widget', 'shadow')
    const origin = { origin: 'https://shop.test' }
    const res = await call(app, bindings, '/v1/bundle', { headers: origin })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-fcv-digest')).toBe(v1.digest)
    expect(res.headers.get('x-fcv-canary-digest')).toBe(v2.digest)
    expect(res.headers.get('x-fcv-canary-share')).toBe('0.25')
    expect(res.headers.get('x-fcv-shadow-digest')).toBe(v3.digest)
    const exposed = res.headers.get('access-control-expose-headers')!.split(',')
    expect(exposed).toEqual(
      expect.arrayContaining([
        'etag',
        'content-location',
        'x-fcv-model',
        'x-fcv-version',
        'x-fcv-digest',
        'x-fcv-canary-digest',
        'x-fcv-canary-share',
        'x-fcv-shadow-digest',
      ])
    )
    expect(await sha256Hex(new Uint8Array(await res.arrayBuffer()))).toBe(v1.digest)
    const etag = res.headers.get('etag')!

    // As the browser revalidates its cached copy; the digest alone names no canary: a 200.
    const digestOnly = await call(app, bindings, '/v1/bundle', {
      headers: { ...origin, 'if-none-match': `"${v1.digest}"` },
    })
    expect(digestOnly.status).toBe(200)
    for (const tag of [etag]) {
      const again = await call(app, bindings, '/v1/bundle', {
        headers: { ...origin, 'if-none-match': tag },
      })
      expect(again.status, tag).toBe(304)
      expect(again.headers.get('etag')).toBe(etag)
      expect(again.headers.get('x-fcv-canary-digest')).toBe(v2.digest)
      expect(again.headers.get('x-fcv-canary-share')).toBe('0.25')
      expect(again.headers.get('x-fcv-shadow-digest')).toBe(v3.digest)
      expect(again.headers.get('access-control-expose-headers')).toContain('x-fcv-canary-share')
      expect(again.headers.get('access-control-allow-origin')).toBe('*')
    }
    // The canary and shadow get their bytes by digest.
    for (const built of [v2, v3]) {
      const bytes = await call(app, bindings, `/v1/bundle/${built.digest}`)
      expect(bytes.status).toBe(200)
      expect(bytes.headers.get('x-fcv-canary-digest')).toBeNull()
    }
  })

  it('a share change or a withdrawn canary fails the old ETag: a 304 could not remove the header', async () => {
    const admin = { authorization: `Bearer ${PUBLISHER_TOKEN}`, 'x-fcv-channel': 'widget' }
    await push(app, bindings, v1, 'widget')
    const plain = await call(app, bindings, '/v1/bundle')
    expect(plain.headers.get('etag')).toBe(`"${v1.digest}"`)
    expect(plain.headers.get('x-fcv-canary-digest')).toBeNull()
    expect(plain.headers.get('x-fcv-canary-share')).toBeNull()
    expect(plain.headers.get('x-fcv-shadow-digest')).toBeNull()

    // A new canary fails the digest-only tag too: a 200, whose headers replace the cached ones.
    await push(app, bindings, v2, 'widget', 'canary', { 'x-fcv-canary-share': '0.0000001' })
    const added = await call(app, bindings, '/v1/bundle', {
      headers: { 'if-none-match': `"${v1.digest}"` },
    })
    expect(added.status).toBe(200)
    expect(added.headers.get('x-fcv-canary-share')).toBe('0.0000001')
    const withCanary = added.headers.get('etag')!
    expect(withCanary).not.toBe(`"${v1.digest}"`)

    await push(app, bindings, v2, 'widget', 'canary', { 'x-fcv-canary-share': '0.5' })
    const reshared = await call(app, bindings, '/v1/bundle', {
      headers: { 'if-none-match': withCanary },
    })
    expect(reshared.status).toBe(200)
    expect(reshared.headers.get('x-fcv-canary-share')).toBe('0.5')

    const withdrawn = await call(app, bindings, '/_admin/bundle', {
      method: 'DELETE',
      headers: { ...admin, 'x-fcv-role': 'canary' },
    })
    expect(withdrawn.status).toBe(200)
    const gone = await call(app, bindings, '/v1/bundle', {
      headers: { 'if-none-match': reshared.headers.get('etag')! },
    })
    expect(gone.status).toBe(200)
    expect(gone.headers.get('etag')).toBe(`"${v1.digest}"`)
    expect(gone.headers.get('x-fcv-canary-digest')).toBeNull()
    expect(gone.headers.get('x-fcv-canary-share')).toBeNull()
  })

  it('lets a page revalidate cross-origin: the preflight allows If-None-Match', async () => {
    const listed = testEnv(kv, {
      TRUSTED_KEYS: trusting(signer),
      CORS_ORIGINS: 'https://shop.test',
    })
    const res = await preflight(app, listed, '/v1/bundle', 'https://shop.test', {
      method: 'GET',
      headers: 'if-none-match',
    })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.test')
    expect(res.headers.get('access-control-allow-methods')!.split(',')).toContain('GET')
    expect(res.headers.get('access-control-allow-headers')!.split(',')).toContain('if-none-match')
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

// A request that finds the view stale is served the view in memory and reads KV after its response
// (serving.ts): what a read finds shows from the next request on. The tests' MODEL_REFRESH_SECONDS
// is 0, so every request reads again.
describe('keeping the last good model', () => {
  it('keeps serving when KV fails, and says so', async () => {
    await push(app, bindings, v1, 'edge')
    await push(app, bindings, v1, 'widget')
    kv.down = true
    // served from memory while the read after it fails
    expect((await modelOf(app, bindings)).problem).toBeNull()
    const body = await modelOf(app, bindings)
    expect(body.champion.version).toBe('1')
    expect(body.problem).toContain('simulated outage')
    const bundle = await call(app, bindings, '/v1/bundle')
    expect(bundle.status).toBe(200)
    expect(bundle.headers.get('etag')).toBe(`"${v1.digest}"`)
    expect((await call(app, bindings, `/v1/bundle/${v1.digest}`)).status).toBe(200) // cached

    kv.down = false
    await modelOf(app, bindings)
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
    await modelOf(app, bindings)
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
    await modelOf(app, bindings)
    const body = await modelOf(app, bindings)
    expect(body.champion.version).toBe('1')
    expect(body.problem).toContain('unknown-key')
    // A fresh isolate has no last good model, and still does not load it.
    const fresh = await call(createApp(), bindings, '/v1/model')
    expect(fresh.status).toBe(503)
    expect((await call(app, bindings, `/v1/bundle/${other.digest}`)).status).toBe(404)
  })

  it('an isolate with only a canary in memory reads the champion before it answers', async () => {
    await push(createApp(), bindings, v1, 'edge') // the champion, through another isolate
    const res = await push(app, bindings, v2, 'edge', 'canary', { 'x-fcv-canary-share': '0.1' })
    expect(res.status).toBe(200)
    const body = await modelOf(app, bindings)
    expect(body.champion.version).toBe('1')
  })

  it('reads KV at most once per MODEL_REFRESH_SECONDS per channel, after the response', async () => {
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
    // stale: this request gets the view in memory, then reads the three pointers and the new bundle
    expect(await version()).toBe('1')
    expect(kv.reads).toBe(before + 4)
    expect(await version()).toBe('2')
    expect(kv.reads).toBe(before + 4)
  })
})
