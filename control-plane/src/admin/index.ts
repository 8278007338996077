// /admin: pages for people, served by the control plane itself (no CDN, no build step). An HTML
// shell, a few small vanilla ES modules (assets/admin.js imports the rest) and a stylesheet, read
// once at start; the modules call the JSON API with the token the user signs in with, so the
// pages can do nothing the token could not.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from '../app-env.ts'
import type { Services } from '../services.ts'
import { adminPage } from './page.ts'

const ASSETS_DIR = join(import.meta.dirname, 'assets')

/** Scripts, styles and API calls from this server only; nothing inline, no frames, no forms out. */
export const ADMIN_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

const SECURITY_HEADERS = {
  'content-security-policy': ADMIN_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
}

const JS = 'text/javascript; charset=utf-8'
const TYPES: Record<string, string> = {
  'admin.js': JS,
  'audit.js': JS,
  'charts.js': JS,
  'deployments.js': JS,
  'fleet.js': JS,
  'lib.js': JS,
  'models.js': JS,
  'promote.js': JS,
  'targets.js': JS,
  'admin.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
}

export function adminRoutes(app: OpenAPIHono<AppEnv>, s: Services): void {
  const page = adminPage({ defaultModel: s.config.FCV_MODEL_NAME })
  const assets = new Map(
    Object.entries(TYPES).map(([file, type]) => [
      file,
      { type, body: readFileSync(join(ASSETS_DIR, file), 'utf8') },
    ])
  )

  app.get('/admin', (c) => c.html(page, 200, { ...SECURITY_HEADERS, 'cache-control': 'no-store' }))
  app.get('/admin/', (c) => c.redirect('/admin', 308))
  app.get('/admin/:file', (c) => {
    const asset = assets.get(c.req.param('file'))
    if (!asset) return c.notFound()
    return c.body(asset.body, 200, {
      ...SECURITY_HEADERS,
      'content-type': asset.type,
      'cache-control': 'no-cache',
    })
  })
}
