import type { Context } from 'hono'
import { cors } from 'hono/cors'
import type { AppEnv } from './app-env.ts'
import { configOf } from './env.ts'

/** The public routes: CORS (preflight included) answers here. */
export const PUBLIC_PATHS = '/v1/*'

/** CORS for the public /v1 routes, origins from CORS_ORIGINS ('*' or a comma-separated list). */
export const publicCors = cors({
  origin: (origin, c: Context<AppEnv>) => {
    const allowed = configOf(c.env).corsOrigins
    if (allowed === '*') return '*'
    return allowed.includes(origin) ? origin : null
  },
  allowMethods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
  // content-type: a JSON POST; if-none-match: a page revalidating GET /v1/bundle itself. Neither
  // is CORS-safelisted, so both come through a preflight.
  allowHeaders: ['content-type', 'if-none-match'],
  // Beyond the safelisted response headers, what a page reads: GET /v1/bundle's, Retry-After.
  exposeHeaders: [
    'etag',
    'content-location',
    'retry-after',
    'x-fcv-model',
    'x-fcv-version',
    'x-fcv-digest',
    'x-fcv-canary-digest',
    'x-fcv-canary-share',
    'x-fcv-shadow-digest',
  ],
  maxAge: 86_400,
})
