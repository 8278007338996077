// PUT /_admin/bundle: the control plane's edge publisher pushes a signed bundle; DELETE withdraws
// a canary or shadow. Order of checks: token, content type, headers, size, then the bundle itself;
// nothing is stored unless the signature and every file digest verify.

import { BundleVerificationError, sha256Hex, verifyBundle } from '@fcv/core'
import type { Context, Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Deps } from '../app-env.ts'
import { requirePublisher } from '../auth.ts'
import { readBody, requireJson } from '../body.ts'
import { configOf } from '../env.ts'
import { ApiError } from '../errors.ts'
import type { LoadedBundle } from '../serving.ts'
import {
  CHANNELS,
  deletePointer,
  DigestSchema,
  getPointer,
  putBundle,
  putPointer,
  ROLES,
  type Pointer,
} from '../store.ts'

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional())

const PushHeadersSchema = z.object({
  'x-fcv-channel': z.enum(CHANNELS),
  'x-fcv-role': z.enum(ROLES),
  'x-fcv-model': optional(z.string().min(1)),
  'x-fcv-version': optional(z.string().min(1)),
  'x-fcv-digest': optional(DigestSchema),
  'x-fcv-canary-share': optional(z.coerce.number().min(0).max(1)),
})

const WithdrawHeadersSchema = z.object({
  'x-fcv-channel': z.enum(CHANNELS),
  'x-fcv-role': z.enum(['canary', 'shadow']),
})

function headersOf<T extends z.ZodType>(c: Context<AppEnv>, schema: T): z.infer<T> {
  const parsed = schema.safeParse(c.req.header())
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const name = String(issue?.path[0] ?? 'headers')
    throw new ApiError(400, 'bad_request', `header ${name}: ${issue?.message ?? 'invalid'}`)
  }
  return parsed.data
}

function storeUnavailable(cause: unknown): ApiError {
  console.error(`fcv-edge: KV write failed: ${(cause as Error).message}`)
  return new ApiError(503, 'store_unavailable', 'the bundle store is unavailable; retry', {
    headers: { 'retry-after': '5' },
    cause,
  })
}

/** Parse, shape, trusted key, signature, every file's size and sha256: in that order (verifyBundle). */
async function verified(bytes: Uint8Array, trusted: Record<string, string>): Promise<LoadedBundle> {
  try {
    const bundle = await verifyBundle(bytes, trusted)
    const { manifest, keyId, modelJson, weights } = bundle
    return { digest: await sha256Hex(bytes), bytes, manifest, keyId, modelJson, weights }
  } catch (e) {
    if (e instanceof BundleVerificationError) {
      throw new ApiError(e.code === 'malformed' ? 400 : 422, e.code, e.message)
    }
    throw e
  }
}

export function adminRoutes(app: Hono<AppEnv>, deps: Deps): void {
  app.put('/_admin/bundle', async (c) => {
    const config = configOf(c.env)
    await requirePublisher(c.req.header('authorization'), config)
    requireJson(c.req.raw) // as the control plane sends it (publish/http-push.ts)
    const h = headersOf(c, PushHeadersSchema)
    const role = h['x-fcv-role']
    const channel = h['x-fcv-channel']
    if (h['x-fcv-canary-share'] !== undefined && role !== 'canary') {
      throw new ApiError(400, 'bad_request', 'header x-fcv-canary-share: only for role canary')
    }
    const bytes = await readBody(c.req.raw, config.maxBodyBytes)
    const bundle = await verified(bytes, config.trustedKeys)
    const { manifest } = bundle
    const mismatch = (
      [
        ['x-fcv-digest', h['x-fcv-digest'], bundle.digest],
        ['x-fcv-model', h['x-fcv-model'], manifest.name],
        ['x-fcv-version', h['x-fcv-version'], manifest.version],
      ] as const
    ).find(([, sent, actual]) => sent !== undefined && sent !== actual)
    if (mismatch) {
      throw new ApiError(
        422,
        'header_mismatch',
        `header ${mismatch[0]} is ${JSON.stringify(mismatch[1])}; the bundle's is ${JSON.stringify(mismatch[2])}`
      )
    }

    const kv = c.env.BUNDLES
    // Re-pushing a canary without a share keeps the share it had; a first canary starts at 0.
    // A champion push also looks at the canary: a promoted canary stops being one.
    const previousCanary =
      role === 'champion' || (role === 'canary' && h['x-fcv-canary-share'] === undefined)
        ? await getPointer(kv, channel, 'canary').catch(() => null)
        : null
    const canaryShare =
      role === 'canary' ? (h['x-fcv-canary-share'] ?? previousCanary?.canaryShare ?? 0) : undefined
    const pointer: Pointer = {
      digest: bundle.digest,
      model: manifest.name,
      version: manifest.version,
      at: new Date(deps.now()).toISOString(),
      ...(canaryShare === undefined ? {} : { canaryShare }),
    }
    try {
      await putBundle(kv, bundle.digest, bytes, {
        model: manifest.name,
        version: manifest.version,
        keyId: bundle.keyId,
        size: bytes.length,
        storedAt: pointer.at,
      })
      await putPointer(kv, channel, role, pointer)
    } catch (e) {
      throw storeUnavailable(e)
    }
    deps.serving.adopt(channel, role, pointer, bundle)
    // A canary promoted to champion is no longer a canary.
    let canaryRetired = false
    if (role === 'champion' && previousCanary?.digest === bundle.digest) {
      await deletePointer(kv, channel, 'canary').then(
        () => (canaryRetired = true),
        (e: Error) => console.warn(`fcv-edge: retiring the canary failed: ${e.message}`)
      )
      if (canaryRetired) deps.serving.withdraw(channel, 'canary')
    }
    console.log(
      `fcv-edge: ${channel}/${role} now ${manifest.name} ${manifest.version} (${bundle.digest.slice(0, 12)}, key ${bundle.keyId})`
    )
    return c.json({
      ok: true,
      channel,
      role,
      model: manifest.name,
      version: manifest.version,
      digest: bundle.digest,
      keyId: bundle.keyId,
      ...(canaryShare === undefined ? {} : { canaryShare }),
      ...(canaryRetired ? { canaryRetired } : {}),
    })
  })

  app.delete('/_admin/bundle', async (c) => {
    const config = configOf(c.env)
    await requirePublisher(c.req.header('authorization'), config)
    const h = headersOf(c, WithdrawHeadersSchema)
    try {
      await deletePointer(c.env.BUNDLES, h['x-fcv-channel'], h['x-fcv-role'])
    } catch (e) {
      throw storeUnavailable(e)
    }
    deps.serving.withdraw(h['x-fcv-channel'], h['x-fcv-role'])
    return c.json({ ok: true, channel: h['x-fcv-channel'], role: h['x-fcv-role'], withdrawn: true })
  })
}
