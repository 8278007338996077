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
  allowHeaders: ['content-type', 'if-none-match'],
  exposeHeaders: [
    'etag',
    'content-location',
    'retry-after',
    'x-fcv-model',
    'x-fcv-version',
    'x-fcv-digest',
  ],
  maxAge: 86_400,
})
