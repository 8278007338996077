// The whole loop end to end, as scripts/main.sh runs it (startLoop), on ports of its own beside the
// README walk and with a state directory and MLflow server of its own: a first run, then a second
// that reuses the state and promotes the new version; the promotion shows in the audit log, the
// MLflow aliases and Prometheus; a rollback brings the previous version back at the edge and in the
// widget (headless Chromium); and with the control plane killed, both keep serving that model.

import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, startTestServer } from '../../trainer/src/mlflow/test-server.ts'
import type { RunningServer } from '../../trainer/src/mlflow/embedded-server.ts'
import { parseLoopArgs } from './args.ts'
import { startLoop, type RunningLoop } from './loop.ts'
import { createProgress } from './progress.ts'
import { prometheusInstalled, queryPrometheus } from './services.ts'
import { predictAtEdge, servedVersions, waitUntilServed } from './served.ts'
import { openStateDir } from './state.ts'
import { widgetPrediction } from './widget-page.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const MODEL = `loop-e2e-${Date.now()}`
const run = promisify(execFile)

let mlflow: RunningServer & { dir: string }
let stateRoot: string
let loop: RunningLoop | null = null
const output: string[] = []
const versions: string[] = []
let firstSigningKey = ''

async function ports() {
  return {
    controlPlane: await freePort(),
    worker: await freePort(),
    demo: await freePort(),
    prometheus: await freePort(),
  }
}

async function startRun(): Promise<RunningLoop> {
  const args = parseLoopArgs([
    '--set',
    `register.model_name=${MODEL}`,
    // A few epochs of a small ensemble: the loop is under test here, not the model.
    '--set',
    'train.max_epochs=4',
    '--set',
    'train.ensemble=2',
    // Outputs beside the state, not in the checkout other tests read.
    '--set',
    `ingest.out_dir=${join(stateRoot, 'interim')}`,
    '--set',
    `features.out_dir=${join(stateRoot, 'processed')}`,
    '--set',
    `train.out_dir=${join(stateRoot, 'model')}`,
    '--set',
    `evaluate.out_dir=${join(stateRoot, 'reports')}`,
    '--set',
    `register.out_file=${join(stateRoot, 'registration.json')}`,
  ])
  const state = openStateDir(ROOT, { FCV_STATE_DIR: join(stateRoot, 'state') })
  const progress = createProgress(8, Date.now(), (l) => output.push(l))
  return startLoop(ROOT, args, state, progress, {
    env: { ...process.env, MLFLOW_TRACKING_URI: mlflow.url },
    ports: await ports(),
  })
}

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${loop!.controlPlane.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${loop!.secrets.adminToken}`, ...init.headers },
  })
  expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200)
  return (await res.json()) as T
}

async function alias(name: string): Promise<string | null> {
  const res = await fetch(
    `${mlflow.url}/api/2.0/mlflow/registered-models/alias?name=${MODEL}&alias=${name}`
  )
  if (res.status === 404) return null
  return ((await res.json()) as { model_version: { version: string } }).model_version.version
}

/** The edge's prediction for every demo customer: versions and values. */
async function edgeScores(l: RunningLoop) {
  const answer = await predictAtEdge(l.worker.url, l.customers.customers, l.customers.asOf)
  expect(answer.status).toBe(200)
  return answer.predictions
}

beforeAll(async () => {
  stateRoot = mkdtempSync(join(tmpdir(), 'fcv-loop-e2e-'))
  mlflow = await startTestServer()
  // The first run: a new state directory, a new key, version 1 on both channels.
  loop = await startRun()
  versions.push(loop.version)
  firstSigningKey = loop.secrets.signingKey
  expect(await servedVersions(loop.worker.url)).toEqual({
    edge: loop.version,
    widget: loop.version,
  })
  await loop.stop()
  // The second run: the same state; it trains, registers and promotes the next version.
  loop = await startRun()
  versions.push(loop.version)
}, 600_000)

afterAll(async () => {
  await loop?.stop()
  await mlflow?.stop()
  rmSync(stateRoot, { recursive: true, force: true })
  rmSync(mlflow.dir, { recursive: true, force: true })
})

describe('the loop (scripts/main.sh)', () => {
  it('promotes the newly trained version on a second run, with the state of the first', async () => {
    const [v1, v2] = versions as [string, string]
    expect(Number(v2), output.join('\n')).toBe(Number(v1) + 1)
    expect(loop!.secrets.signingKey).toBe(firstSigningKey)
    expect(output.join('\n')).toMatch(/reusing its signing key, tokens and database/)
    expect(await servedVersions(loop!.worker.url)).toEqual({ edge: v2, widget: v2 })
    expect((await edgeScores(loop!)).every((p) => p.modelVersion === v2)).toBe(true)
    const w = await widgetPrediction(loop!.browser!, loop!.demo.url, 0)
    expect(w.model.version).toBe(v2)
  })

  it('shows the promotion in the audit log, the MLflow aliases and Prometheus', async () => {
    const [v1, v2] = versions as [string, string]
    const { entries } = await api<{
      entries: { action: string; target: string; after: unknown; reason: string | null }[]
    }>(`/v1/audit?limit=1000`)
    for (const channel of ['edge', 'widget']) {
      const promoted = entries.filter(
        (e) =>
          e.action.startsWith('promotion') &&
          e.action !== 'promotion.refused' &&
          e.target.includes(channel) &&
          JSON.stringify(e.after).includes(`"${v2}"`)
      )
      expect(promoted, `${channel}: ${JSON.stringify(entries.slice(0, 10))}`).toHaveLength(1)
      expect(promoted[0]!.reason).toMatch(/scripts\/main\.sh/)
      expect(await alias(`champion-${channel}`)).toBe(v2)
      expect(await alias(`previous-${channel}`)).toBe(v1)
    }
    if (!prometheusInstalled()) return // setup installs it; without it the loop runs none
    const deadline = Date.now() + 30_000
    let got: { metric: Record<string, string>; value: number }[] = []
    while (Date.now() < deadline) {
      got = await queryPrometheus(
        loop!.prometheus!.url,
        'fcv_promotions_total{outcome="succeeded"}'
      )
      if (got.length === 2) break
      await new Promise((r) => setTimeout(r, 1000))
    }
    expect(
      Object.fromEntries(got.map((r) => [r.metric['channel'], r.value])),
      JSON.stringify(got)
    ).toEqual({ edge: 1, widget: 1 })
  })

  it('rolls back to the previous version at the edge and in the widget', async () => {
    const [v1, v2] = versions as [string, string]
    for (const channel of ['edge', 'widget']) {
      const { stdout } = await run(
        process.execPath,
        [
          join(ROOT, 'trainer/dist/fcv.mjs'),
          'release',
          'rollback',
          '--model',
          MODEL,
          '--channel',
          channel,
          '--from',
          v2,
          '--reason',
          'loop e2e: roll back',
        ],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            FCV_CONTROL_PLANE_URL: loop!.controlPlane.url,
            FCV_RELEASE_TOKEN: loop!.secrets.adminToken,
          },
        }
      )
      expect(stdout).toMatch(new RegExp(`champion ${v1}`))
    }
    await waitUntilServed(loop!.worker.url, v1)
    expect((await edgeScores(loop!)).every((p) => p.modelVersion === v1)).toBe(true)
    const w = await widgetPrediction(loop!.browser!, loop!.demo.url, 0)
    expect(w.model.version).toBe(v1)
    expect(await alias('champion-edge')).toBe(v1)
  })

  it('keeps serving the last good model at the edge and in the widget when the control plane dies', async () => {
    const [v1] = versions as [string]
    const before = await edgeScores(loop!)
    const widgetBefore = await widgetPrediction(loop!.browser!, loop!.demo.url, 1)
    loop!.controlPlane.child.kill('SIGKILL')
    await loop!.controlPlane.exited
    const down = await fetch(`${loop!.controlPlane.url}/healthz`).then(
      () => 'up',
      () => 'down'
    )
    expect(down).toBe('down')
    // Past the Worker's model refresh (MODEL_REFRESH_SECONDS, 10): it re-reads its own store.
    await new Promise((r) => setTimeout(r, 11_000))
    expect(await edgeScores(loop!)).toEqual(before)
    expect(before.every((p) => p.modelVersion === v1)).toBe(true)
    const widgetAfter = await widgetPrediction(loop!.browser!, loop!.demo.url, 1)
    expect(widgetAfter.model.version).toBe(v1)
    expect(widgetAfter.prediction).toEqual(widgetBefore.prediction)
  })
})
