// docs/operations.md as an operator runs it: every `sh` block in order, in one bash (set -e), from
// the repository root, against a real control plane (its own process, PGlite in a temporary folder)
// over a real MLflow server holding three versions of the model; then what the blocks did is read
// back from the API.

import { connectionTo, generateSigningKey, MlflowClient } from '@fcv/core'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  startControlPlane,
  type ControlPlaneProcess,
} from '../../control-plane/src/test-support/process.ts'
import { goodTags, registerVersion } from '../../control-plane/src/test-support/registry.ts'
import { startTestServer } from '../../trainer/src/mlflow/test-server.ts'
import type { RunningServer } from '../../trainer/src/mlflow/embedded-server.ts'
import { shellBlocks } from '../readme/blocks.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const DOC = 'docs/operations.md'
const MODEL = 'fcv-customer-value' // the page's: a fresh MLflow server, so no other test's
const ADMIN = 'operations-doc-admin-token-0123456789'

let mlflow: (RunningServer & { dir: string }) | undefined
let cp: ControlPlaneProcess | undefined
let dataDir: string | undefined

beforeAll(async () => {
  mlflow = await startTestServer()
  dataDir = mkdtempSync(join(tmpdir(), 'fcv-operations-doc-'))
  const key = await generateSigningKey()
  cp = await startControlPlane({
    FCV_DATA_DIR: join(dataDir, 'pglite'),
    MLFLOW_TRACKING_URI: mlflow.url,
    FCV_ADMIN_TOKEN: ADMIN,
    FCV_SIGNING_KEY: key.privateKeyPkcs8,
  })
  const client = new MlflowClient(connectionTo(mlflow.url, {}))
  const first = await registerVersion(client, MODEL, goodTags())
  await registerVersion(client, MODEL, goodTags({ edge: first }))
  await registerVersion(client, MODEL, goodTags({ edge: first }))
}, 240_000)

afterAll(async () => {
  await cp?.kill('SIGTERM')
  await mlflow?.stop()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  if (mlflow) rmSync(mlflow.dir, { recursive: true, force: true })
})

async function api(path: string): Promise<unknown> {
  const res = await fetch(`${cp!.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } })
  expect(res.status, path).toBe(200)
  return await res.json()
}

describe(DOC, () => {
  it('every sh block works as written, in order', { timeout: 180_000 }, async () => {
    expect(
      existsSync(join(ROOT, 'trainer/dist/fcv.mjs')),
      'the CLI is not built: npm run build'
    ).toBe(true)
    const blocks = shellBlocks(readFileSync(join(ROOT, DOC), 'utf8'))
    expect(blocks.length).toBeGreaterThan(5)
    const script = [
      'set -euo pipefail',
      // A newline first: curl's JSON answers end without one.
      ...blocks.map(
        (b) => `printf '\\n%s\\n' ${JSON.stringify(`::: ${DOC} line ${b.line}`)}\n${b.code}`
      ),
    ].join('\n')
    // Asynchronously: a blocked event loop would leave this process's idle keep-alive sockets to the
    // control plane unread, and the next fetch would reuse one the server has closed meanwhile.
    const child = spawn('bash', ['-c', script], {
      cwd: ROOT,
      env: {
        ...process.env,
        FCV_CONTROL_PLANE_URL: cp!.url,
        FCV_RELEASE_TOKEN: ADMIN,
        FCV_ADMIN_TOKEN: ADMIN,
        FCV_MODEL_NAME: MODEL,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 170_000,
    })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    const status = await new Promise<number | null>((done) => child.on('close', done))
    const last = [...output.matchAll(/^::: (.*)$/gm)].at(-1)?.[1] ?? 'the start'
    expect(status, `stopped in the block at ${last}:\n${output.slice(-3000)}`).toBe(0)

    expect(output).toMatch(/^gate\s+result\s+value\s+threshold\s+detail$/m)
    expect(output).toContain('edge canary 2: share 0.1 -> 0.5')
    expect(output).toContain('rolled back edge: champion 2 -> 1')
    expect(output).toMatch(/^grafana\tviewer\t/m)
    const { deployments } = (await api(`/v1/models/${MODEL}/deployments`)) as {
      deployments: { channel: string; championVersion: string; shadowVersion: string | null }[]
    }
    expect(deployments.find((d) => d.channel === 'edge')).toMatchObject({
      championVersion: '1',
      shadowVersion: null,
    })
    expect(deployments.find((d) => d.channel === 'widget')).toMatchObject({ championVersion: '1' })
    const { entries } = (await api('/v1/audit?limit=100')) as { entries: { action: string }[] }
    expect(new Set(entries.map((e) => e.action))).toEqual(
      new Set([
        'model.sync',
        'promotion',
        'canary.share',
        'shadow',
        'shadow.stop',
        'rollback',
        'token.create',
        'token.revoke',
      ])
    )
  })
})
