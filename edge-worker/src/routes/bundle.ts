// Bundles for widgets. GET /v1/bundle is the widget channel's current champion (or ?role=canary,
// shadow), revalidated on every use, and names the channel's canary (digest, share) and shadow in
// headers, so a page fetches those by digest. GET /v1/bundle/<digest> is immutable.

import type { Context, Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Deps } from '../app-env.ts'
import { configOf } from '../env.ts'
import { ApiError } from '../errors.ts'
import type { ChannelView, LoadedBundle } from '../serving.ts'
import { DigestSchema, ROLES } from '../store.ts'
import { servedView, servingView } from './model.ts'

const IMMUTABLE = 'public, max-age=31536000, immutable'
const REVALIDATE = 'public, max-age=0, must-revalidate'

function matches(ifNoneMatch: string | undefined, etags: readonly string[]): boolean {
  if (!ifNoneMatch) return false
  return ifNoneMatch
    .split(',')
    .map((t) => t.trim())
    .some((t) => t === '*' || etags.includes(t.replace(/^W\//, '')))
}

/** A share as a plain decimal (String(1e-7) would be "1e-7"). */
export function decimal(share: number): string {
  const text = String(share)
  return text.includes('e') ? share.toFixed(20).replace(/\.?0+$/, '') : text
}

/** The channel's canary and shadow, as GET /v1/bundle states them; none: no headers. */
function channelHeaders(view: ChannelView): Record<string, string> {
  const headers: Record<string, string> = {}
  if (view.canary) {
    headers['x-fcv-canary-digest'] = view.canary.bundle.digest
    headers['x-fcv-canary-share'] = decimal(view.canary.pointer.canaryShare ?? 0)
  }
  if (view.shadow) headers['x-fcv-shadow-digest'] = view.shadow.bundle.digest
  return headers
}

/**
 * The ETag of a GET /v1/bundle answer: the bundle's digest, plus the canary and shadow when the
 * channel has any. A 304 freshens a browser's cached headers but cannot remove one (RFC 9111
 * 4.3.4), so an answer that names a canary must not match once the canary is gone: the page would
 * keep scoring with a withdrawn model. Without canary and shadow it is the digest alone.
 */
function channelTag(digest: string, view: ChannelView): string {
  let tag = digest
  if (view.canary) {
    tag += `+c${view.canary.bundle.digest.slice(0, 16)}@${decimal(view.canary.pointer.canaryShare ?? 0)}`
  }
  if (view.shadow) tag += `+s${view.shadow.bundle.digest.slice(0, 16)}`
  return `"${tag}"`
}

function send(
  c: Context<AppEnv>,
  bundle: LoadedBundle,
  cacheControl: string,
  view: ChannelView | null = null
): Response {
  const digestTag = `"${bundle.digest}"`
  const etag = view ? channelTag(bundle.digest, view) : digestTag
  const headers = {
    etag,
    'cache-control': cacheControl,
    'content-location': `/v1/bundle/${bundle.digest}`,
    'x-fcv-model': bundle.manifest.name,
    'x-fcv-version': bundle.manifest.version,
    'x-fcv-digest': bundle.digest,
    ...(view ? channelHeaders(view) : {}),
  }
  // Only the whole tag matches. A digest-only tag must not: Chromium keeps a stored ETag when a 304
  // freshens the other headers, so a 304 that added a canary's headers to a digest-tagged copy
  // would leave them there for good (the widget e2e test caught it).
  if (matches(c.req.header('if-none-match'), [etag])) {
    return c.body(null, 304, headers)
  }
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
    servedView(c, deps)
    return send(c, slot.bundle, REVALIDATE, view)
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
