import { METHOD_NAME_ALL } from 'hono/router'
import { beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../src/app.ts'
import type { Env } from '../src/env.ts'
import { call, testEnv, TestKv } from './support.ts'

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']
const DIGEST = 'ab'.repeat(32)

/** Every route the Worker has, as a path to call, and the Allow it answers other methods with. */
const ALLOW: Record<string, { path: string; allow: string }> = {
  '/healthz': { path: '/healthz', allow: 'GET, HEAD' },
  '/v1/predict': { path: '/v1/predict', allow: 'POST, OPTIONS' },
  '/v1/beacon': { path: '/v1/beacon', allow: 'POST, OPTIONS' },
  '/v1/model': { path: '/v1/model', allow: 'GET, HEAD, OPTIONS' },
  '/v1/bundle': { path: '/v1/bundle', allow: 'GET, HEAD, OPTIONS' },
  '/v1/bundle/:digest': { path: `/v1/bundle/${DIGEST}`, allow: 'GET, HEAD, OPTIONS' },
  '/_admin/bundle': { path: '/_admin/bundle', allow: 'PUT, DELETE' },
  '/_admin/bundles': { path: '/_admin/bundles', allow: 'GET, HEAD' },
}

let bindings: Env
beforeEach(() => {
  bindings = testEnv(new TestKv())
})

describe('methods a route does not answer', () => {
  const app = createApp({ createScorer: null })

  it('this table lists every route the app registers', () => {
    const registered = new Set(
      app.routes.filter((r) => r.method !== METHOD_NAME_ALL).map((r) => r.path)
    )
    expect([...registered].sort()).toEqual(Object.keys(ALLOW).sort())
  })

  it('answers 405 with Allow on every route, in the JSON error envelope', async () => {
    for (const { path, allow } of Object.values(ALLOW)) {
      const allowed = allow.split(', ')
      for (const method of METHODS.filter((m) => !allowed.includes(m))) {
        const res = await call(app, bindings, path, { method })
        const what = `${method} ${path}`
        expect(res.status, what).toBe(405)
        expect(res.headers.get('allow'), what).toBe(allow)
        if (method === 'HEAD') continue // no body
        expect(await res.json(), what).toEqual({
          error: {
            code: 'method_not_allowed',
            message: `${method} is not allowed on ${path}; allowed: ${allow}`,
            details: { allow: allowed },
            requestId: expect.any(String),
          },
        })
      }
    }
  })

  it('GET /v1/predict: 405, Allow: POST, OPTIONS, with CORS headers for a browser', async () => {
    const res = await call(app, bindings, '/v1/predict', {
      headers: { origin: 'https://shop.test' },
    })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('POST, OPTIONS')
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it('answers HEAD where GET is answered (hono runs the GET route without the body)', async () => {
    const res = await call(app, bindings, '/healthz', { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('')
  })

  it('keeps 404 for paths no route has, with any method', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['POST', '/nope'],
      ['GET', '/v1/nope'],
      ['POST', '/healthz/'],
      ['GET', '/v1/bundle/x/y'],
      ['DELETE', '/_admin/nope'],
      ['OPTIONS', '/_admin/nope'],
    ] as const) {
      const res = await call(app, bindings, path, { method })
      expect(res.status, `${method} ${path}`).toBe(404)
      expect(await res.json()).toMatchObject({
        error: { code: 'not_found', message: `no route for ${method} ${path}` },
      })
    }
  })
})
