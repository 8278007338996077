import { sha256Hex, type SigningKey } from '@fcv/core'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../src/app.ts'
import type { Env } from '../src/env.ts'
import {
  call,
  errorOf,
  modelOf,
  newSigner,
  push,
  pushInit,
  PUBLISHER_TOKEN,
  signedBundle,
  testEnv,
  TestKv,
  trusting,
  withFlippedWeightByte,
} from './support.ts'

let signer: SigningKey
let stranger: SigningKey
let kv: TestKv
let bindings: Env
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  signer = await newSigner()
  stranger = await newSigner()
})

beforeEach(() => {
  kv = new TestKv()
  bindings = testEnv(kv, { TRUSTED_KEYS: trusting(signer) })
  app = createApp()
})

async function currentEdgeVersion(): Promise<string> {
  return (await modelOf(app, bindings)).champion.version
}

describe('PUT /_admin/bundle: who may push', () => {
  it('refuses a missing, malformed or wrong token with 401 and reads nothing', async () => {
    const built = await signedBundle(signer, '1')
    for (const authorization of [null, 'Basic abc', 'Bearer', `Bearer ${PUBLISHER_TOKEN}x`]) {
      const init = pushInit(built.bytes, authorization ? { authorization } : {}, null)
      const res = await call(app, bindings, '/_admin/bundle', init)
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/)
      const text = await res.text()
      expect(text).toContain('"unauthorized"')
      expect(text).not.toContain(PUBLISHER_TOKEN)
    }
    expect(kv.reads).toBe(0)
  })

  it('accepts the token configured as a sha256 (PUBLISHER_TOKEN_SHA256) and not the hash itself', async () => {
    const hash = await sha256Hex(new TextEncoder().encode(PUBLISHER_TOKEN))
    const hashed = testEnv(kv, {
      TRUSTED_KEYS: trusting(signer),
      PUBLISHER_TOKEN: undefined,
      PUBLISHER_TOKEN_SHA256: hash.toUpperCase(),
    })
    const built = await signedBundle(signer, '1')
    expect((await push(app, hashed, built, 'edge')).status).toBe(200)
    const res = await call(app, hashed, '/_admin/bundle', pushInit(built.bytes, {}, hash))
    expect(res.status).toBe(401)
  })

  it('names a misconfigured var in a 500, never its value', async () => {
    const bad = testEnv(kv, { TRUSTED_KEYS: '{"k1": "c2VjcmV0"}', MAX_BODY_BYTES: 'lots' })
    const res = await call(app, bad, '/v1/model')
    expect(res.status).toBe(500)
    const error = await errorOf(res)
    expect(error.code).toBe('misconfigured')
    expect(error.message).toMatch(/MAX_BODY_BYTES|TRUSTED_KEYS/)
    expect(JSON.stringify(error)).not.toContain('c2VjcmV0')
  })

  it('is closed (401) when no publisher token is configured', async () => {
    const closed = testEnv(kv, { TRUSTED_KEYS: trusting(signer), PUBLISHER_TOKEN: undefined })
    const res = await call(app, closed, '/_admin/bundle', pushInit(new Uint8Array([123, 125])))
    expect(res.status).toBe(401)
  })
})

describe('PUT /_admin/bundle: what is refused before any work', () => {
  it('refuses a body over MAX_BODY_BYTES by content-length with 413', async () => {
    const small = testEnv(kv, { TRUSTED_KEYS: trusting(signer), MAX_BODY_BYTES: '1000' })
    const built = await signedBundle(signer, '1')
    const res = await call(app, small, '/_admin/bundle', pushInit(built.bytes))
    expect(res.status).toBe(413)
    expect((await errorOf(res)).code).toBe('payload_too_large')
  })

  it('refuses a streamed body without content-length once it passes MAX_BODY_BYTES', async () => {
    const small = testEnv(kv, { TRUSTED_KEYS: trusting(signer), MAX_BODY_BYTES: '1000' })
    let pulled = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++
        if (pulled > 1000)
          controller.close() // would be 256 KB; the worker stops long before
        else controller.enqueue(new Uint8Array(256).fill(32))
      },
    })
    const request = new Request('http://edge.test/_admin/bundle', {
      ...pushInit(new Uint8Array(0)),
      body: stream,
    })
    expect(request.headers.get('content-length')).toBeNull()
    const res = await call(app, small, request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    })
    expect(res.status).toBe(413)
    expect(pulled).toBeLessThan(20)
  })

  it('refuses a push not sent as JSON with 415, after the token check', async () => {
    const built = await signedBundle(signer, '1')
    for (const type of [null, 'application/octet-stream', 'application/x-www-form-urlencoded']) {
      const init = pushInit(built.bytes)
      const headers = new Headers(init.headers)
      if (type === null) headers.delete('content-type')
      else headers.set('content-type', type)
      const res = await call(app, bindings, '/_admin/bundle', { ...init, headers })
      expect(res.status, String(type)).toBe(415)
      expect((await errorOf(res)).message).toBe(
        `${type === null ? 'no content-type' : `content-type "${type}"`}; ` +
          'the body must be JSON: send content-type: application/json'
      )
      headers.delete('authorization')
      const anonymous = await call(app, bindings, '/_admin/bundle', { ...init, headers })
      expect(anonymous.status).toBe(401)
    }
    expect(kv.reads).toBe(0)
    const withCharset = pushInit(built.bytes, { 'content-type': 'application/json; charset=utf-8' })
    expect((await call(app, bindings, '/_admin/bundle', withCharset)).status).toBe(200)
  })

  it('refuses an empty, non-JSON or non-bundle body with 400 malformed', async () => {
    for (const body of ['', '{not json', '[1,2,3]', '{"manifest":{}}']) {
      const res = await call(app, bindings, '/_admin/bundle', pushInit(body))
      expect(res.status, body).toBe(400)
      expect((await errorOf(res)).code).toBe('malformed')
    }
    expect(kv.reads).toBe(0)
  })

  it('refuses missing or unknown channel and role headers with 400 naming the header', async () => {
    const built = await signedBundle(signer, '1')
    const res = await call(
      app,
      bindings,
      '/_admin/bundle',
      pushInit(built.bytes, { 'x-fcv-channel': 'mobile' })
    )
    expect(res.status).toBe(400)
    expect((await errorOf(res)).message).toContain('x-fcv-channel')
    const noRole = pushInit(built.bytes)
    delete (noRole.headers as Record<string, string>)['x-fcv-role']
    const res2 = await call(app, bindings, '/_admin/bundle', noRole)
    expect(res2.status).toBe(400)
    expect((await errorOf(res2)).message).toContain('x-fcv-role')
  })
})

describe('PUT /_admin/bundle: verification', () => {
  it('stores a verified bundle under its digest and switches the pointer', async () => {
    const built = await signedBundle(signer, '1')
    const res = await push(app, bindings, built, 'edge')
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({
      ok: true,
      channel: 'edge',
      role: 'champion',
      model: 'fcv-ziln',
      version: '1',
      digest: built.digest,
      keyId: signer.keyId,
    })
    const stored = (await kv.get(`bundle/${built.digest}`, { type: 'arrayBuffer' })) as ArrayBuffer
    expect(await sha256Hex(new Uint8Array(stored))).toBe(built.digest)
    const pointer = JSON.parse((await kv.get('pointer/edge/champion', { type: 'text' })) as string)
    expect(pointer).toMatchObject({ digest: built.digest, model: 'fcv-ziln', version: '1' })
    expect(Date.parse(pointer.at)).not.toBeNaN()
    expect(await currentEdgeVersion()).toBe('1')
  })

  it('rejects a bundle with one weight byte flipped (422 digest-mismatch); the old one keeps serving', async () => {
    await push(app, bindings, await signedBundle(signer, '1'), 'edge')
    const tampered = withFlippedWeightByte(await signedBundle(signer, '2'))
    const res = await call(app, bindings, '/_admin/bundle', pushInit(tampered))
    expect(res.status).toBe(422)
    const error = await errorOf(res)
    expect(error.code).toBe('digest-mismatch')
    expect(error.message).toContain('weights.bin')
    expect(await currentEdgeVersion()).toBe('1')
    expect(await kv.get(`bundle/${await sha256Hex(tampered)}`)).toBeNull()
  })

  it('rejects a bundle signed by an untrusted key (422 unknown-key); the old one keeps serving', async () => {
    await push(app, bindings, await signedBundle(signer, '1'), 'edge')
    const res = await push(app, bindings, await signedBundle(stranger, '2'), 'edge')
    expect(res.status).toBe(422)
    expect((await errorOf(res)).code).toBe('unknown-key')
    expect(await currentEdgeVersion()).toBe('1')
  })

  it('rejects a manifest changed after signing (422 bad-signature)', async () => {
    const built = await signedBundle(signer, '2')
    const doc = structuredClone(built.document)
    doc.manifest.version = '3'
    const res = await call(app, bindings, '/_admin/bundle', pushInit(JSON.stringify(doc)))
    expect(res.status).toBe(422)
    expect((await errorOf(res)).code).toBe('bad-signature')
  })

  it('rejects headers that disagree with the bundle (422 header_mismatch)', async () => {
    const built = await signedBundle(signer, '2')
    for (const [name, value] of [
      ['x-fcv-digest', '0'.repeat(64)],
      ['x-fcv-version', '7'],
      ['x-fcv-model', 'other'],
    ] as const) {
      const res = await push(app, bindings, built, 'edge', 'champion', { [name]: value })
      expect(res.status, name).toBe(422)
      const error = await errorOf(res)
      expect(error.code).toBe('header_mismatch')
      expect(error.message).toContain(name)
    }
  })
})

describe('PUT and DELETE /_admin/bundle: roles', () => {
  it('keeps channels and roles apart, with the canary share', async () => {
    const v1 = await signedBundle(signer, '1')
    const v2 = await signedBundle(signer, '2')
    const v3 = await signedBundle(signer, '3')
    await push(app, bindings, v1, 'edge')
    const canary = await push(app, bindings, v2, 'edge', 'canary', { 'x-fcv-canary-share': '0.25' })
    expect(await canary.json()).toMatchObject({ role: 'canary', canaryShare: 0.25 })
    await push(app, bindings, v3, 'edge', 'shadow')
    await push(app, bindings, v3, 'widget')
    const model = await modelOf(app, bindings)
    expect(model.champion.version).toBe('1')
    expect(model.canary).toMatchObject({ version: '2', share: 0.25 })
    expect(model.shadow?.version).toBe('3')
    const widget = await modelOf(app, bindings, 'widget')
    expect(widget).toMatchObject({ channel: 'widget', champion: { version: '3' }, canary: null })

    // A re-push without a share keeps it; a share on another role is refused.
    await push(app, bindings, v2, 'edge', 'canary')
    expect(
      JSON.parse((await kv.get('pointer/edge/canary', { type: 'text' })) as string)
    ).toMatchObject({
      canaryShare: 0.25,
    })
    const res = await push(app, bindings, v2, 'edge', 'shadow', { 'x-fcv-canary-share': '0.5' })
    expect(res.status).toBe(400)
  })

  it('retires the canary when it is promoted to champion; DELETE withdraws a shadow', async () => {
    await push(app, bindings, await signedBundle(signer, '1'), 'edge')
    const v2 = await signedBundle(signer, '2')
    await push(app, bindings, v2, 'edge', 'canary', { 'x-fcv-canary-share': '0.1' })
    await push(app, bindings, v2, 'edge', 'shadow')
    const promoted = await push(app, bindings, v2, 'edge', 'champion')
    expect(await promoted.json()).toMatchObject({ version: '2', canaryRetired: true })
    let model = await modelOf(app, bindings)
    expect(model).toMatchObject({
      champion: { version: '2' },
      canary: null,
      shadow: { version: '2' },
    })

    const headers = { 'x-fcv-channel': 'edge', 'x-fcv-role': 'shadow' }
    const unauthorized = await call(app, bindings, '/_admin/bundle', { method: 'DELETE', headers })
    expect(unauthorized.status).toBe(401)
    const res = await call(app, bindings, '/_admin/bundle', {
      method: 'DELETE',
      headers: { ...headers, authorization: `Bearer ${PUBLISHER_TOKEN}` },
    })
    expect(res.status).toBe(200)
    model = await modelOf(app, bindings)
    expect(model.shadow).toBeNull()
    const champion = await call(app, bindings, '/_admin/bundle', {
      method: 'DELETE',
      headers: { ...headers, 'x-fcv-role': 'champion', authorization: `Bearer ${PUBLISHER_TOKEN}` },
    })
    expect(champion.status).toBe(400)
  })
})
