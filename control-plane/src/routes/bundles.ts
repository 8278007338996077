import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { AppEnv } from '../app-env.ts'
import { getBundle, getBundleFor, getDeployment, type Bundle } from '../db/index.ts'
import { ApiError } from '../errors.ts'
import type { Services } from '../services.ts'
import { ChannelSchema, errorResponses, VersionSchema } from './schemas.ts'

// The bundle store: signed bundles are public (their integrity is in the signature, they hold no
// secret), so reads need no token. Content-addressed URLs are immutable; "current" revalidates.

const IMMUTABLE = 'public, max-age=31536000, immutable'
const REVALIDATE = 'public, max-age=0, must-revalidate'
const ModelQuery = z.object({
  model: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/)
    .optional()
    .openapi({
      description: 'registered model name; the configured one (FCV_MODEL_NAME) when absent',
    }),
})
const BundleBody = {
  'application/json': { schema: z.object({}).passthrough().openapi('BundleDocument') },
}

function send(c: Context<AppEnv>, b: Bundle, cache: string): Response {
  const etag = `"${b.digest}"`
  const headers = {
    etag,
    'cache-control': cache,
    'x-fcv-model': b.modelName,
    'x-fcv-version': b.version,
    'access-control-allow-origin': '*',
    'access-control-expose-headers': 'etag, x-fcv-model, x-fcv-version',
  }
  const match = c.req.header('if-none-match')
  if (match && match.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
    return c.body(null, 304, headers)
  }
  return c.body(b.document as Uint8Array<ArrayBuffer>, 200, {
    ...headers,
    'content-type': 'application/json',
  })
}

/**
 * Bundles by digest, kept in memory: content-addressed, so an entry never goes stale; bounded, so
 * memory stays small (the current champion, canary and shadow of a few channels fit).
 */
function bundleCache(s: Services, capacity = 16) {
  const entries = new Map<string, Bundle>()
  return async (digest: string): Promise<Bundle | undefined> => {
    const hit = entries.get(digest)
    if (hit) {
      entries.delete(digest) // most recently used last
      entries.set(digest, hit)
      return hit
    }
    const b = await getBundle(s.db.db, digest)
    if (b) {
      entries.set(digest, b)
      if (entries.size > capacity) entries.delete(entries.keys().next().value!)
    }
    return b
  }
}

/** What every bundle read answers: the document, 304 on a matching If-None-Match, or an error. */
const bundleResponses = {
  200: { description: 'the signed bundle document', content: BundleBody },
  304: { description: 'not modified' },
  ...errorResponses(400, 404),
}

export function bundleRoutes(app: OpenAPIHono<AppEnv>, s: Services): void {
  const byDigest = bundleCache(s)
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/signing-keys',
      tags: ['bundles'],
      summary: "The public key bundles are signed with, as edge workers' and widgets' TRUSTED_KEYS",
      responses: {
        200: {
          description:
            '{ keyId: base64 of the 32 raw Ed25519 public key bytes }; empty when no key is configured',
          content: {
            'application/json': {
              schema: z.object({ keys: z.record(z.string(), z.string()) }),
            },
          },
        },
      },
    }),
    (c) => {
      c.header('cache-control', 'public, max-age=300')
      const keys = s.signer ? { [s.signer.keyId]: s.signer.publicKey } : {}
      return c.json({ keys }, 200)
    }
  )
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/bundles/{channel}/current',
      tags: ['bundles'],
      summary: 'The champion bundle a channel serves now (ETag; revalidate)',
      request: {
        params: z.object({
          channel: ChannelSchema.openapi({ param: { name: 'channel', in: 'path' } }),
        }),
        query: ModelQuery,
      },
      responses: bundleResponses,
    }),
    async (c) => {
      const { channel } = c.req.valid('param')
      const model = c.req.valid('query').model ?? s.config.FCV_MODEL_NAME
      const d = await getDeployment(s.db.db, model, channel)
      const b = d?.championBundle ? await byDigest(d.championBundle) : undefined
      if (!b) throw new ApiError(404, 'not_found', `"${model}" has no champion on ${channel}`)
      return send(c, b, REVALIDATE) as never
    }
  )
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/bundles/versions/{version}',
      tags: ['bundles'],
      summary: 'The latest bundle built for a model version (ETag; revalidate)',
      request: {
        params: z.object({
          version: VersionSchema.openapi({ param: { name: 'version', in: 'path' } }),
        }),
        query: ModelQuery,
      },
      responses: bundleResponses,
    }),
    async (c) => {
      const { version } = c.req.valid('param')
      const model = c.req.valid('query').model ?? s.config.FCV_MODEL_NAME
      const b = await getBundleFor(s.db.db, model, version)
      if (!b) throw new ApiError(404, 'not_found', `no bundle of "${model}" version ${version}`)
      return send(c, b, REVALIDATE) as never
    }
  )
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/bundles/sha256/{digest}',
      tags: ['bundles'],
      summary: 'A bundle by its digest (immutable)',
      request: {
        params: z.object({
          digest: z
            .string()
            .regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits')
            .openapi({ param: { name: 'digest', in: 'path' } }),
        }),
      },
      responses: bundleResponses,
    }),
    async (c) => {
      const b = await byDigest(c.req.valid('param').digest)
      if (!b) throw new ApiError(404, 'not_found', 'no bundle with this digest')
      return send(c, b, IMMUTABLE) as never
    }
  )
}
