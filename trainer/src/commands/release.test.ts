import { connectionTo, generateSigningKey, MlflowClient } from '@fcv/core'
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import {
  startControlPlane,
  type ControlPlaneProcess,
} from '../../../control-plane/src/test-support/process.ts'
import { goodTags, registerVersion } from '../../../control-plane/src/test-support/registry.ts'
import { EXIT, promotionKey } from './release.ts'

// `fcv release` as CI runs it: the CLI as a subprocess against a real control plane (its own
// process, PGlite in a temporary directory) over a real MLflow server.

const CLI = join(import.meta.dirname, '../cli.ts')
const ADMIN = 'release-test-admin-token-0123456789'
const MODEL = `release-${Date.now()}`
const mlflow = new MlflowClient(connectionTo(inject('mlflowUri'), {}))
let cp: ControlPlaneProcess
let dataDir: string
let publisher: string
const v: Record<'first' | 'second' | 'worse' | 'third', string> = {
  first: '',
  second: '',
  worse: '',
  third: '',
}

interface Run {
  code: number
  stdout: string
  stderr: string
}

function fcv(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((ok) => {
    execFile(
      process.execPath,
      [CLI, 'release', ...args],
      {
        env: {
          PATH: process.env['PATH'] ?? '',
          FCV_CONTROL_PLANE_URL: cp.url,
          FCV_RELEASE_TOKEN: ADMIN,
          FCV_MODEL_NAME: MODEL,
          ...env,
        },
      },
      (err, stdout, stderr) =>
        ok({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr })
    )
  })
}

async function deployment(channel: string): Promise<Record<string, unknown> | undefined> {
  const res = await fetch(`${cp.url}/v1/models/${MODEL}/deployments`, {
    headers: { authorization: `Bearer ${ADMIN}` },
  })
  const body = (await res.json()) as { deployments: { channel: string }[] }
  return body.deployments.find((d) => d.channel === channel)
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'fcv-release-'))
  const key = await generateSigningKey()
  cp = await startControlPlane({
    FCV_DATA_DIR: join(dataDir, 'pglite'),
    MLFLOW_TRACKING_URI: inject('mlflowUri'),
    FCV_ADMIN_TOKEN: ADMIN,
    FCV_SIGNING_KEY: key.privateKeyPkcs8,
    FCV_MODEL_NAME: MODEL,
  })
  v.first = await registerVersion(mlflow, MODEL, goodTags())
  v.second = await registerVersion(mlflow, MODEL, goodTags({ edge: v.first }))
  // Evaluated against the edge champion and worse than it: the Gini gate fails.
  v.worse = await registerVersion(
    mlflow,
    MODEL,
    goodTags({ edge: v.second }, { 'metric.gini': '0.80' })
  )
  v.third = await registerVersion(mlflow, MODEL, goodTags({ edge: v.second }))
  const res = await fetch(`${cp.url}/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'ci-publisher', role: 'publisher' }),
  })
  publisher = ((await res.json()) as { token: string }).token
}, 120_000)

afterAll(async () => {
  await cp?.kill('SIGTERM')
  await rm(dataDir, { recursive: true, force: true })
})

describe('fcv release', { timeout: 60_000 }, () => {
  it('sync mirrors the registered versions (a publisher token may) and names a missing one', async () => {
    const r = await fcv(['sync', '--version', v.third], { FCV_RELEASE_TOKEN: publisher })
    expect(r, r.stderr).toMatchObject({ code: EXIT.done })
    expect(r.stdout).toContain(`versions ${v.first}, ${v.second}, ${v.worse}, ${v.third}`)
    const missing = await fcv(['sync', '--version', '999'])
    expect(missing.code).toBe(EXIT.error)
    expect(missing.stderr).toContain(`version 999 of "${MODEL}" is not in MLflow`)
  })

  it('promote: exit 0 with the gate table; the same promotion again is nothing to do (exit 4)', async () => {
    const first = await fcv([
      'promote',
      '--version',
      v.first,
      '--channel',
      'edge',
      '--reason',
      'first champion',
    ])
    expect(first.code, first.stderr).toBe(EXIT.done)
    expect(first.stdout).toMatch(/^gate\s+result\s+value\s+threshold\s+detail$/m)
    expect(first.stdout).toMatch(/^beats_last_90d\s+pass\s+0\.14\s/m)
    expect(first.stdout).not.toContain('FAIL')
    expect(first.stdout).toContain(
      `promoted version ${v.first} of "${MODEL}" to edge champion: revision 1`
    )
    expect(await deployment('edge')).toMatchObject({ championVersion: v.first, revision: 1 })

    const again = await fcv([
      'promote',
      '--version',
      v.first,
      '--channel',
      'edge',
      '--reason',
      'first champion',
    ])
    expect(again.code, again.stderr).toBe(EXIT.nothingToDo)
    expect(again.stdout).toContain(`nothing to do: version ${v.first} is already the edge champion`)
    expect(await deployment('edge')).toMatchObject({ revision: 1 })
  })

  it('sends an Idempotency-Key of the request and the revision it applies to: a retry replays', async () => {
    const body = { version: v.first, channel: 'widget', reason: 'widget champion' }
    const r = await fcv([
      'promote',
      '--version',
      v.first,
      '--channel',
      'widget',
      '--reason',
      'widget champion',
    ])
    expect(r.code, r.stderr).toBe(EXIT.done)
    // What a CI retry whose first answer was lost sends: the control plane replays it, no new change.
    const retry = await fetch(`${cp.url}/v1/models/${MODEL}/promotions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ADMIN}`,
        'content-type': 'application/json',
        'idempotency-key': promotionKey(MODEL, body, 0),
      },
      body: JSON.stringify(body),
    })
    expect(retry.status).toBe(200)
    expect(retry.headers.get('idempotent-replayed')).toBe('true')
    expect(await deployment('widget')).toMatchObject({ championVersion: v.first, revision: 1 })
    expect(promotionKey(MODEL, body, 1)).not.toBe(promotionKey(MODEL, body, 0))
    expect(promotionKey(MODEL, { ...body, reason: 'other' }, 0)).not.toBe(
      promotionKey(MODEL, body, 0)
    )
  })

  it('promote as a canary, widen it, abort it (and aborting again is nothing to do)', async () => {
    const start = await fcv([
      'promote',
      '--version',
      v.second,
      '--channel',
      'edge',
      '--canary-share',
      '0.1',
      '--reason',
      'canary of the second',
    ])
    expect(start.code, start.stderr).toBe(EXIT.done)
    expect(start.stdout).toContain(`to edge canary at 0.1`)
    expect(await deployment('edge')).toMatchObject({
      championVersion: v.first,
      canaryVersion: v.second,
      canaryShare: 0.1,
    })

    const widen = await fcv([
      'canary',
      '--channel',
      'edge',
      '--share',
      '0.5',
      '--reason',
      'looks good',
    ])
    expect(widen.code, widen.stderr).toBe(EXIT.done)
    expect(widen.stdout).toContain(`edge canary ${v.second}: share 0.1 -> 0.5`)
    expect(await deployment('edge')).toMatchObject({ canaryVersion: v.second, canaryShare: 0.5 })
    const same = await fcv([
      'canary',
      '--channel',
      'edge',
      '--share',
      '0.5',
      '--reason',
      'looks good',
    ])
    expect(same.code).toBe(EXIT.nothingToDo)

    const abort = await fcv(['canary', '--channel', 'edge', '--share', '0', '--reason', 'abort it'])
    expect(abort.code, abort.stderr).toBe(EXIT.done)
    expect(abort.stdout).toContain(`stopped the edge canary (version ${v.second})`)
    expect(await deployment('edge')).toMatchObject({
      championVersion: v.first,
      canaryVersion: null,
      canaryShare: 0,
    })
    const again = await fcv(['canary', '--channel', 'edge', '--share', '0', '--reason', 'abort it'])
    expect(again.code).toBe(EXIT.nothingToDo)
    expect(again.stdout).toContain('has no canary on edge')
  })

  it('gates fail: exit 3, the gate table with the failed gate, nothing changed', async () => {
    const promoted = await fcv([
      'promote',
      '--version',
      v.second,
      '--channel',
      'edge',
      '--reason',
      'second champion',
    ])
    expect(promoted.code, promoted.stderr).toBe(EXIT.done)
    const before = await deployment('edge')
    const r = await fcv([
      'promote',
      '--version',
      v.worse,
      '--channel',
      'edge',
      '--canary-share',
      '0.1',
      '--reason',
      'worse one',
    ])
    expect(r.code, r.stderr).toBe(EXIT.gatesFailed)
    expect(r.stdout).toMatch(/^gini_vs_champion\s+FAIL\s/m)
    expect(r.stderr).toContain('gates failed, nothing shipped')
    expect(r.stderr).toContain('HTTP 409 gates_failed')
    expect(r.stderr).toMatch(/request id [0-9a-f-]{36}/)
    expect(await deployment('edge')).toEqual(before)
  })

  it('rollback puts the previous champion back; with --from a retry is nothing to do', async () => {
    const r = await fcv([
      'rollback',
      '--channel',
      'edge',
      '--from',
      v.second,
      '--reason',
      'incident 1',
    ])
    expect(r.code, r.stderr).toBe(EXIT.done)
    expect(r.stdout).toContain(`rolled back edge: champion ${v.second} -> ${v.first}`)
    expect(await deployment('edge')).toMatchObject({ championVersion: v.first })
    const again = await fcv([
      'rollback',
      '--channel',
      'edge',
      '--from',
      v.second,
      '--reason',
      'incident 1',
    ])
    expect(again.code).toBe(EXIT.nothingToDo)
    expect(await deployment('edge')).toMatchObject({ championVersion: v.first })

    const status = await fcv(['status'])
    expect(status.code).toBe(EXIT.done)
    expect(status.stdout).toContain(`edge: champion ${v.first} (revision `)
    expect(status.stdout).toContain(`widget: champion ${v.first} (revision 1`)
  })

  it('a bad or too weak token: exit 1 naming the status and code, the token never printed', async () => {
    const bad = await fcv(['status'], { FCV_RELEASE_TOKEN: 'not-a-real-token-at-all-0123' })
    expect(bad.code).toBe(EXIT.error)
    expect(bad.stderr).toMatch(/HTTP 401 \w+: .+ \(request id /)
    expect(bad.stderr + bad.stdout).not.toContain('not-a-real-token-at-all-0123')

    const weak = await fcv(
      ['promote', '--version', v.third, '--channel', 'edge', '--reason', 'publisher tries'],
      {
        FCV_RELEASE_TOKEN: publisher,
      }
    )
    expect(weak.code).toBe(EXIT.error)
    expect(weak.stderr).toMatch(/POST \/v1\/models\/\S+\/promotions: HTTP 403 \w+/)
    expect(weak.stderr + weak.stdout).not.toContain(publisher)

    const none = await fcv(['status'], { FCV_RELEASE_TOKEN: '' })
    expect(none.code).toBe(EXIT.error)
    expect(none.stderr).toContain('FCV_RELEASE_TOKEN is not set')
  })

  it('an unreachable control plane: exit 1 naming the URL', async () => {
    const port = await new Promise<number>((ok) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port
        s.close(() => ok(p))
      })
    })
    const r = await fcv(['status'], { FCV_CONTROL_PLANE_URL: `http://127.0.0.1:${port}` })
    expect(r.code).toBe(EXIT.error)
    expect(r.stderr).toContain(`cannot reach the control plane at http://127.0.0.1:${port}`)
    expect(r.stderr).toContain('ECONNREFUSED')
  })

  it('bad flags: the value and the flag named (exit 1), a missing one is a usage error (exit 2)', async () => {
    const share = await fcv(['canary', '--channel', 'edge', '--share', '1', '--reason', 'too much'])
    expect(share.code).toBe(EXIT.error)
    expect(share.stderr).toContain(
      '--share must be a number from 0 (stop the canary) and below 1, got "1"'
    )
    const channel = await fcv(['status', '--channel', 'web'])
    expect(channel.stderr).toContain('--channel must be edge or widget, got "web"')
    const missing = await fcv(['promote', '--channel', 'edge', '--reason', 'no version'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("required option '--version <n>' not specified")
  })
})
