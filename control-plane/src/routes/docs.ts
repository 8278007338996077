import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from '../app-env.ts'

// Swagger UI from the swagger-ui-dist package, served by the control plane itself: /docs works
// without reaching a CDN (clusters without egress, offline tests).
const UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fcv control plane API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`
// Separate file, not inline: the page's Content-Security-Policy allows scripts from 'self' only.
const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', persistAuthorization: false })\n`

const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'"

/** The OpenAPI 3.1 document (from the same schemas that validate requests) and its UI. */
export function docsRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'an fcv API token (fcv tokens create), or the bootstrap admin token',
  })
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'fcv control plane',
      version: '1',
      description:
        'Registry mirror, gated promotion, signed bundles, rollback, canary and shadow, audit log. ' +
        'Errors share one envelope: { error: { code, message, details?, requestId } }.',
    },
  })
  app.get('/docs', (c) => c.html(PAGE, 200, { 'content-security-policy': CSP }))
  app.get('/docs/init.js', (c) =>
    c.body(INIT, 200, { 'content-type': 'text/javascript; charset=utf-8' })
  )
  app.get('/docs/assets/:file', async (c) => {
    const file = c.req.param('file')
    const type = ASSETS[file]
    if (!type) return c.notFound()
    return c.body(await readFile(join(UI_DIR, file)), 200, {
      'content-type': type,
      'cache-control': 'public, max-age=86400',
    })
  })
}
