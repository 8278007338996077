import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startTestApp, type TestApp } from '../test-support/harness.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp(inject('mlflowUri'))
})
afterAll(() => t.close())

describe('API contract', () => {
  it('serves an OpenAPI 3.1 document of every route, each with the error envelope', async () => {
    const doc = (await t.call('GET', '/openapi.json', { token: null })).body
    expect(doc.openapi).toBe('3.1.0')
    const paths = Object.keys(doc.paths)
    for (const p of [
      '/v1/tokens',
      '/v1/models/{name}/promotions',
      '/v1/models/{name}/rollbacks',
      '/v1/bundles/{channel}/current',
      '/v1/audit',
      '/readyz',
    ]) {
      expect(paths).toContain(p)
    }
    expect(doc.components.schemas.Error).toBeDefined()
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' })
    for (const [path, ops] of Object.entries(
      doc.paths as Record<
        string,
        Record<string, { responses: Record<string, unknown>; security?: unknown }>
      >
    )) {
      for (const [method, op] of Object.entries(ops)) {
        if (method === 'post' || method === 'put' || method === 'delete') {
          expect(op.security, `${method} ${path}`).toEqual([{ bearer: [] }])
          expect(Object.keys(op.responses), `${method} ${path}`).toEqual(
            expect.arrayContaining(['400', '401', '403'])
          )
        }
      }
    }
  })

  it('serves the interactive docs without any CDN', async () => {
    const page = await t.call('GET', '/docs', { token: null })
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(page.body).not.toMatch(/https?:\/\//)
    for (const asset of [
      '/docs/assets/swagger-ui.css',
      '/docs/assets/swagger-ui-bundle.js',
      '/docs/init.js',
    ]) {
      expect((await t.call('GET', asset, { token: null })).status, asset).toBe(200)
    }
  })

  it('never answers with a stack trace', async () => {
    const r = await t.call('POST', '/v1/models/x/promotions', {
      headers: { 'content-type': 'application/json' },
      body: undefined,
    })
    expect(JSON.stringify(r.body)).not.toMatch(/\bat .*\.ts:\d+/)
    const unknown = await t.call('GET', '/v2/anything', { token: null })
    expect(unknown.status).toBe(404)
    expect(unknown.body.error.code).toBe('not_found')
  })
})
