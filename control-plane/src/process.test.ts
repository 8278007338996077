import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { generateSigningKey, connectionTo, MlflowClient } from '@fcv/core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createTestDatabase } from './db/test-postgres.ts'
import { ADMIN_TOKEN } from './test-support/harness.ts'
import { startControlPlane, type ControlPlaneProcess } from './test-support/process.ts'
import { startPushTarget, type PushTarget } from './test-support/push-target.ts'
import { goodTags, registerVersion } from './test-support/registry.ts'

// The control plane as a process: SIGTERM drains what is in flight; `fcv tokens` manages tokens
// through its API.

const run = promisify(execFile)
const CLI = join(import.meta.dirname, '../../trainer/src/cli.ts')
let edge: PushTarget
let db: { url: string; drop(): Promise<void> }
let cp: ControlPlaneProcess
const mlflowUri = inject('mlflowUri')
const DRAIN_MODEL = `cp-drain-${Date.now()}`

beforeAll(async () => {
  edge = await startPushTarget()
  db = await createTestDatabase(inject('fcvPostgresUrl'))
  cp = await startControlPlane({
    DATABASE_URL: db.url,
    MLFLOW_TRACKING_URI: mlflowUri,
    FCV_ADMIN_TOKEN: ADMIN_TOKEN,
    FCV_SIGNING_KEY: (await generateSigningKey()).privateKeyPkcs8,
    FCV_EDGE_PUBLISH_URLS: edge.url,
    FCV_MODEL_NAME: DRAIN_MODEL,
  })
})
afterAll(async () => {
  await cp?.kill('SIGKILL')
  await edge.close()
  await db.drop()
})

describe('fcv tokens (the CLI, against the running control plane)', () => {
  it('creates a token shown once, lists it without the secret, revokes it', async () => {
    const env = { ...process.env, FCV_CONTROL_PLANE_URL: cp.url, FCV_ADMIN_TOKEN: ADMIN_TOKEN }
    const created = await run(
      process.execPath,
      [CLI, 'tokens', 'create', '--role', 'viewer', '--name', 'grafana'],
      { env }
    )
    const token = created.stdout.trim().split('\n').at(-1)!
    expect(created.stdout).toContain('created token "grafana" (viewer). It is shown only this once')
    expect(token).toMatch(/^fcv_viewer_/)
    const ok = await fetch(`${cp.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } })
    expect(ok.status).toBe(200)
    const listed = await run(process.execPath, [CLI, 'tokens', 'list'], { env })
    expect(listed.stdout).toMatch(/^grafana\tviewer\tcreated /m)
    expect(listed.stdout).not.toContain(token)
    await run(process.execPath, [CLI, 'tokens', 'revoke', '--name', 'grafana'], { env })
    expect(
      (await fetch(`${cp.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } })).status
    ).toBe(401)
    const denied = await run(process.execPath, [CLI, 'tokens', 'list'], {
      env: { ...env, FCV_ADMIN_TOKEN: token },
    }).catch((e: { code: number; stderr: string }) => e)
    expect(denied).toMatchObject({ code: 1 })
    expect((denied as { stderr: string }).stderr).toContain(
      'fcv tokens: error: GET /v1/tokens: HTTP 401'
    )
  })
})

describe('graceful stop', () => {
  it('lets an in-flight promotion finish on SIGTERM, then exits 0', async () => {
    const model = DRAIN_MODEL
    const version = await registerVersion(
      new MlflowClient(connectionTo(mlflowUri, {})),
      model,
      goodTags()
    )
    edge.delayMs = 1_500
    const pending = fetch(`${cp.url}/v1/models/${model}/promotions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version, channel: 'edge', reason: 'drained, not cut' }),
    })
    while (edge.pushesArrived === 0) await new Promise((r) => setTimeout(r, 20))
    const exited = new Promise<number | null>((ok) => cp.child.once('exit', (code) => ok(code)))
    cp.child.kill('SIGTERM')
    const res = await pending
    expect(res.status).toBe(200)
    expect(((await res.json()) as { version: string }).version).toBe(version)
    expect(await exited).toBe(0)
    expect(cp.output()).not.toMatch(/error/i)
  })
})
