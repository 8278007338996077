// Bundles for widgets. GET /v1/bundle is the widget channel's current champion (or ?role=canary,
// shadow): ETag = digest, revalidated on every use. GET /v1/bundle/<digest> is immutable.

import type { Context, Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Deps } from '../app-env.ts'
import { configOf } from '../env.ts'
import { ApiError } from '../errors.ts'
import type { LoadedBundle } from '../serving.ts'
import { DigestSchema, ROLES } from '../store.ts'
import { servingView } from './model.ts'

const IMMUTABLE = 'public, max-age=31536000, immutable'
const REVALIDATE = 'public, max-age=0, must-revalidate'

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false
  return ifNoneMatch
    .split(',')
    .map((t) => t.trim())
    .some((t) => t === '*' || t.replace(/^W\//, '') === etag)
}

function send(c: Context<AppEnv>, bundle: LoadedBundle, cacheControl: string): Response {
  const etag = `"${bundle.digest}"`
  const headers = {
    etag,
    'cache-control': cacheControl,
    'content-location': `/v1/bundle/${bundle.digest}`,
    'x-fcv-model': bundle.manifest.name,
    'x-fcv-version': bundle.manifest.version,
    'x-fcv-digest': bundle.digest,
  }
  if (matches(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers)
  return c.body(bundle.bytes as Uint8Array<ArrayBuffer>, 200, {
    ...headers,
    'content-type': 'application/json',
  })
}

const QuerySchema = z.object({ role: z.enum(ROLES).default('champion') })

export function bundleRoutes(app: Hono<AppEnv>, deps: Deps): void {
  app.get('/v1/bundle', async (c) => {
    const query = QuerySchema.safeParse(c.req.query())
    if (!query.success) {
      throw new ApiError(400, 'bad_request', `query role: must be one of ${ROLES.join(', ')}`)
    }
    const view = await servingView(c, deps, 'widget')
    const slot = view[query.data.role]
    if (!slot) {
      throw new ApiError(404, 'not_found', `the widget channel has no ${query.data.role}`)
    }
    return send(c, slot.bundle, REVALIDATE)
  })

  app.get('/v1/bundle/:digest', async (c) => {
    const digest = DigestSchema.safeParse(c.req.param('digest'))
    if (!digest.success) {
      throw new ApiError(400, 'bad_request', 'path digest: must be 64 lowercase hex digits')
    }
    const config = configOf(c.env)
    let bundle: LoadedBundle | null
    try {
      bundle = await deps.serving.bundle(c.env.BUNDLES, config.trustedKeys, digest.data)
    } catch (e) {
      const name = (e as Error).name
      if (name === 'BundleVerificationError' || name === 'BundleLoadError') bundle = null
      else {
        console.warn(`fcv-edge: reading bundle ${digest.data} failed: ${(e as Error).message}`)
        throw new ApiError(503, 'store_unavailable', 'the bundle store is unavailable; retry', {
          headers: { 'retry-after': '5' },
        })
      }
    }
    if (!bundle) throw new ApiError(404, 'not_found', 'no servable bundle with this digest')
    return send(c, bundle, IMMUTABLE)
  })
}
