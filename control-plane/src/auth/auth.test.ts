import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { listTokens } from '../db/index.ts'
import { startTestApp, type TestApp } from '../test-support/harness.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp(inject('mlflowUri'))
})
afterAll(() => t.close())

/** Every mutating route in the OpenAPI document, with a path whose parameters are filled in. */
async function mutatingRoutes(): Promise<{ method: string; path: string }[]> {
  const doc = (await t.call('GET', '/openapi.json', { token: null })).body as {
    paths: Record<string, Record<string, unknown>>
  }
  const out: { method: string; path: string }[] = []
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const method of Object.keys(ops)) {
      if (['post', 'put', 'patch', 'delete'].includes(method)) {
        out.push({
          method: method.toUpperCase(),
          path: path
            .replace('{name}', 'm')
            .replace('{channel}', 'edge')
            .replace('{tokenName}', 'x'),
        })
      }
    }
  }
  return out
}

describe('authentication and roles', () => {
  it('answers 401 on every mutating route without a token, or with an unknown one', async () => {
    const routes = await mutatingRoutes()
    expect(routes.length).toBeGreaterThanOrEqual(7)
    for (const r of routes) {
      for (const token of [null, 'fcv_admin_not-a-real-token']) {
        const res = await t.call(r.method, r.path, { token, body: {} })
        expect(res.status, `${r.method} ${r.path} with ${token}`).toBe(401)
        expect(res.body.error.code).toBe('unauthenticated')
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="fcv"/)
      }
    }
  })

  it('answers 403 on every mutating route for roles that may not, and lets the role that may through', async () => {
    const tokens: Record<string, string> = {}
    for (const role of ['publisher', 'reporter', 'viewer']) {
      const r = await t.call('POST', '/v1/tokens', { body: { name: `t-${role}`, role } })
      expect(r.status).toBe(201)
      tokens[role] = r.body.token
    }
    for (const r of await mutatingRoutes()) {
      const publisherMay = r.path.endsWith('/sync') || r.path === '/v1/publish-targets/reconcile'
      const reporterMay = r.path === '/v1/telemetry'
      for (const role of ['publisher', 'reporter', 'viewer']) {
        const res = await t.call(r.method, r.path, { token: tokens[role]!, body: {} })
        if ((role === 'publisher' && publisherMay) || (role === 'reporter' && reporterMay)) {
          expect(res.status, `${role} ${r.method} ${r.path}`).not.toBe(403)
        } else {
          expect(res.status, `${role} ${r.method} ${r.path}`).toBe(403)
          expect(res.body.error.message).toContain(`the role "${role}" may not`)
        }
      }
    }
    // Reading: viewer and publisher yes, reporter (telemetry only) no.
    expect((await t.call('GET', '/v1/models', { token: tokens['viewer']! })).status).toBe(200)
    expect((await t.call('GET', '/v1/models', { token: tokens['publisher']! })).status).toBe(200)
    expect((await t.call('GET', '/v1/models', { token: tokens['reporter']! })).status).toBe(403)
  })

  it('shows a token once, stores only its SHA-256, and a revoked token stops working', async () => {
    const created = await t.call('POST', '/v1/tokens', {
      body: { name: 'ci-viewer', role: 'viewer' },
    })
    expect(created.status).toBe(201)
    const token = created.body.token as string
    expect(token).toMatch(/^fcv_viewer_[A-Za-z0-9_-]{43}$/)
    const rows = await listTokens(t.services.db.db)
    const row = rows.find((r) => r.name === 'ci-viewer')!
    expect(row.hash).toBe(createHash('sha256').update(token).digest('hex'))
    expect(JSON.stringify(rows)).not.toContain(token)
    const listed = await t.call('GET', '/v1/tokens')
    expect(JSON.stringify(listed.body)).not.toContain(token)
    expect(listed.body.tokens.find((x: { name: string }) => x.name === 'ci-viewer')).toMatchObject({
      role: 'viewer',
      revokedAt: null,
    })
    expect((await t.call('GET', '/v1/audit', { token })).status).toBe(200)
    expect((await t.call('DELETE', '/v1/tokens/ci-viewer')).status).toBe(200)
    expect((await t.call('GET', '/v1/audit', { token })).status).toBe(401)
    expect((await t.call('DELETE', '/v1/tokens/ci-viewer')).status).toBe(404)
    expect(
      (await t.call('POST', '/v1/tokens', { body: { name: 'ci-viewer2', role: 'viewer' } })).status
    ).toBe(201)
    expect(
      (await t.call('POST', '/v1/tokens', { body: { name: 'ci-viewer2', role: 'admin' } })).status
    ).toBe(409)
    const audit = await t.call('GET', '/v1/audit?target=token/ci-viewer')
    expect(audit.body.entries.map((e: { action: string }) => e.action)).toEqual([
      'token.revoke',
      'token.create',
    ])
    expect(JSON.stringify(audit.body)).not.toContain(token)
    // Nothing secret in the logs either.
    expect(t.logs.join('')).not.toContain(token)
    expect(t.logs.join('')).not.toContain('test-admin-token')
  })

  it('validates input with the field and the reason, in the one error envelope', async () => {
    const r = await t.call('POST', '/v1/tokens', { body: { name: 'bad name!', role: 'root' } })
    expect(r.status).toBe(400)
    expect(r.body.error.code).toBe('invalid_request')
    expect(r.body.error.details.map((d: { field: string }) => d.field)).toEqual([
      'body.name',
      'body.role',
    ])
    expect(r.body.error.requestId).toMatch(/^[0-9a-f-]{36}$/)
    const notJson = await t.call('POST', '/v1/tokens', {
      headers: { 'content-type': 'application/json' },
      body: undefined,
    })
    expect(notJson.status).toBe(400)
    expect(JSON.stringify(notJson.body)).not.toMatch(/\n\s+at /)
  })
})
