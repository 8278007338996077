// Test support: the fixture model signed into bundles, a KV wrapper (own key space per test, and
// an outage switch), and a way to call a fresh app with its own env and ExecutionContext.

import type { ExecutionContext, KVNamespace } from '@cloudflare/workers-types'
import {
  base64ToBytes,
  buildBundle,
  bytesToBase64,
  canonicalJson,
  generateSigningKey,
  importSigningKey,
  type BuiltBundle,
  type BundleManifestInput,
  type SigningKey,
} from '@fcv/core'
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import type { Hono } from 'hono'
import modelJsonText from '../../control-plane/src/test-support/model/model.json?raw'
import weightsDataUrl from '../../control-plane/src/test-support/model/weights.bin?inline'
import type { AppEnv } from '../src/app-env.ts'
import type { Env } from '../src/env.ts'

export const PUBLISHER_TOKEN = 'test-publisher-token-4f1c9e'

/** The control plane's test model (a small fcv ZILN network in the TensorFlow.js layers format). */
export const fixture = {
  modelJson: new TextEncoder().encode(modelJsonText),
  weights: base64ToBytes(weightsDataUrl.slice(weightsDataUrl.indexOf(',') + 1)),
}

const meta = (
  JSON.parse(modelJsonText) as { userDefinedMetadata: { fcv: Record<string, unknown> } }
).userDefinedMetadata.fcv

export async function newSigner(): Promise<SigningKey> {
  return importSigningKey((await generateSigningKey()).privateKeyPkcs8)
}

/** The fixture signed as `version` of fcv-ziln, as the control plane builds it. */
export async function signedBundle(
  signer: SigningKey,
  version: string,
  files: { modelJson?: Uint8Array; weights?: Uint8Array } = {},
  /** Manifest fields to change, e.g. currency. */
  manifest: Partial<BundleManifestInput> = {}
): Promise<BuiltBundle> {
  return buildBundle(
    {
      manifest: {
        name: 'fcv-ziln',
        version,
        created: '2026-11-01T00:00:00.000Z',
        horizonDays: 90,
        currency: 'GBP',
        featureSpec: meta['featureSpec'] as { version: string },
        normalisation: meta['encoding'] as Record<string, unknown>,
        model: { format: 'fcv-ziln', formatVersion: Number(meta['formatVersion']) },
        metrics: { mae: 12.5, gini: 0.61 },
        mlflow: { runId: 'run-0001', modelVersion: version },
        ...manifest,
      },
      modelJson: files.modelJson ?? fixture.modelJson,
      weights: files.weights ?? fixture.weights,
    },
    signer
  )
}

/** A signed bundle with one byte of weights.bin flipped after signing. */
export function withFlippedWeightByte(built: BuiltBundle, at = 100): Uint8Array {
  const doc = structuredClone(built.document)
  const weights = base64ToBytes(doc.files['weights.bin'])
  weights[at] = weights[at]! ^ 0x01
  doc.files['weights.bin'] = bytesToBase64(weights)
  return new TextEncoder().encode(canonicalJson(doc))
}

/**
 * The test's own view of the KV namespace: every key under a prefix, so tests neither see nor
 * clear each other's bundles; `down = true` makes every call throw, as a KV outage would.
 */
export class TestKv {
  down = false
  reads = 0
  readonly prefix = `t${crypto.randomUUID().slice(0, 8)}/`
  private readonly inner: KVNamespace = env.BUNDLES

  private check(): void {
    if (this.down) throw new Error('KV GET failed: 503 simulated outage')
  }
  get(key: string, options?: unknown): Promise<unknown> {
    this.check()
    this.reads++
    return (this.inner.get as (k: string, o?: unknown) => Promise<unknown>)(
      this.prefix + key,
      options
    )
  }
  put(key: string, value: unknown, options?: unknown): Promise<void> {
    this.check()
    return (this.inner.put as (k: string, v: unknown, o?: unknown) => Promise<void>)(
      this.prefix + key,
      value,
      options
    )
  }
  delete(key: string): Promise<void> {
    this.check()
    return this.inner.delete(this.prefix + key)
  }
  /** Keys under this test's prefix, named as the app wrote them. */
  async list(options: { prefix?: string; limit?: number } = {}) {
    this.check()
    const listed = await this.inner.list({
      ...options,
      prefix: this.prefix + (options.prefix ?? ''),
    })
    return {
      ...listed,
      keys: listed.keys.map((k) => ({ ...k, name: k.name.slice(this.prefix.length) })),
    }
  }
  asBinding(): KVNamespace {
    return this as unknown as KVNamespace
  }
}

/** The wrangler.toml bindings, with this test's KV, a publisher token, trusted keys and overrides. */
export function testEnv(kv: TestKv, over: Partial<Env> = {}): Env {
  return {
    ...env,
    BUNDLES: kv.asBinding(),
    PUBLISHER_TOKEN: PUBLISHER_TOKEN,
    MODEL_REFRESH_SECONDS: '0',
    ...over,
  }
}

export function trusting(...signers: SigningKey[]): string {
  return JSON.stringify(Object.fromEntries(signers.map((s) => [s.keyId, s.publicKey])))
}

/** One request to the app, waiting for its waitUntil work too. */
export async function call(
  app: Hono<AppEnv>,
  bindings: Env,
  path: string,
  init: RequestInit = {}
): Promise<Response> {
  const ctx: ExecutionContext = createExecutionContext()
  const res = await app.request(path, init, bindings, ctx)
  await waitOnExecutionContext(ctx)
  return res
}

/** A browser's CORS preflight from `origin`: by default for a POST with a JSON body. */
export function preflight(
  app: Hono<AppEnv>,
  bindings: Env,
  path: string,
  origin = 'https://shop.test',
  request: { method: string; headers: string } = { method: 'POST', headers: 'content-type' }
): Promise<Response> {
  return call(app, bindings, path, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': request.method,
      'access-control-request-headers': request.headers,
    },
  })
}

/** POST /v1/predict with a JSON body (a string is sent as it is, for malformed bodies). */
export function postPredict(app: Hono<AppEnv>, bindings: Env, body: unknown): Promise<Response> {
  return call(app, bindings, '/v1/predict', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

export function pushInit(
  bytes: Uint8Array | string,
  headers: Record<string, string> = {},
  token: string | null = PUBLISHER_TOKEN
): RequestInit {
  return {
    method: 'PUT',
    headers: {
      'content-type': 'application/json',
      'x-fcv-channel': 'edge',
      'x-fcv-role': 'champion',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...headers,
    },
    body: bytes as BodyInit,
  }
}

/** Pushes a built bundle to a channel/role and expects it accepted. */
export async function push(
  app: Hono<AppEnv>,
  bindings: Env,
  built: BuiltBundle,
  channel: 'edge' | 'widget',
  role: 'champion' | 'canary' | 'shadow' = 'champion',
  extra: Record<string, string> = {}
): Promise<Response> {
  return call(
    app,
    bindings,
    '/_admin/bundle',
    pushInit(built.bytes, {
      'x-fcv-channel': channel,
      'x-fcv-role': role,
      'x-fcv-model': built.document.manifest.name,
      'x-fcv-version': built.document.manifest.version,
      'x-fcv-digest': built.digest,
      ...extra,
    })
  )
}

interface SlotBody {
  model: string
  version: string
  digest: string
  keyId: string
  since: string
  bundleUrl: string
  calibratedWindow: { from: string; to: string; levelAdjusted: boolean } | null
  manifest: Record<string, unknown> & { featureSpec: { version: string } }
}

/** The body of GET /v1/model. */
export interface ModelBody {
  channel: string
  champion: SlotBody
  canary: (SlotBody & { share: number }) | null
  shadow: SlotBody | null
  problem: string | null
}

export async function modelOf(
  app: Hono<AppEnv>,
  bindings: Env,
  channel: 'edge' | 'widget' = 'edge'
): Promise<ModelBody> {
  const res = await call(app, bindings, `/v1/model?channel=${channel}`)
  if (res.status !== 200) throw new Error(`GET /v1/model: ${res.status} ${await res.text()}`)
  return (await res.json()) as ModelBody
}

export async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  return ((await res.json()) as { error: { code: string; message: string } }).error
}
