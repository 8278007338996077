import { connectionTo, MlflowClient } from '@fcv/core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createLogger } from '../log.ts'
import { startTestApp, type TestApp } from '../test-support/harness.ts'
import { goodTags, registerVersion } from '../test-support/registry.ts'
import { AliasSync } from './alias-sync.ts'

// The per-channel MLflow aliases kept as the deployments say, against a real MLflow server:
// a registry an older fcv left with model-wide aliases is migrated, drift is put back.

const uri = inject('mlflowUri')
const MODEL = `cp-aliases-${Date.now()}`
let t: TestApp
const v: string[] = []

beforeAll(async () => {
  t = await startTestApp(uri)
  for (let i = 0; i < 3; i++) v.push(await registerVersion(t.mlflow, MODEL, goodTags()))
  const promote = async (version: string, channel: string) => {
    const r = await t.call('POST', `/v1/models/${MODEL}/promotions`, {
      body: { version, channel, reason: 'alias test', force: true },
    })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
  }
  await promote(v[0]!, 'edge')
  await promote(v[1]!, 'edge')
  await promote(v[2]!, 'widget')
})
afterAll(() => t.close())

async function aliases(): Promise<Record<string, string>> {
  const rm = await t.mlflow.getRegisteredModel(MODEL)
  return Object.fromEntries((rm?.aliases ?? []).map((a) => [a.alias, String(a.version)]))
}

describe('per-channel MLflow aliases', () => {
  it('are set by promotions, one per channel and role', async () => {
    expect(await aliases()).toEqual({
      'champion-edge': v[1],
      'previous-edge': v[0],
      'champion-widget': v[2],
    })
  })

  it('migrate a registry with the model-wide aliases of an older fcv, and put back drift', async () => {
    // What an fcv before per-channel champions left: "champion" on the last promotion, whichever
    // channel it was; no per-channel aliases. And one moved by hand.
    for (const a of ['champion-edge', 'previous-edge']) await t.mlflow.deleteAlias(MODEL, a)
    await t.mlflow.setAlias(MODEL, 'champion', v[2]!)
    await t.mlflow.setAlias(MODEL, 'previous', v[1]!)
    await t.mlflow.setAlias(MODEL, 'champion-widget', v[0]!)

    const status = await t.services.aliasSync.reconcileNow()
    expect(status).toMatchObject({ state: 'converged', error: null })
    expect(status.changes[MODEL]).toEqual([
      `champion-edge → ${v[1]}`,
      `previous-edge → ${v[0]}`,
      `champion-widget → ${v[2]}`,
      'removed the model-wide alias champion',
      'removed the model-wide alias previous',
    ])
    expect(await aliases()).toEqual({
      'champion-edge': v[1],
      'previous-edge': v[0],
      'champion-widget': v[2],
    })
    expect((await t.services.aliasSync.reconcileNow()).state).toBe('in_sync')
  })

  it('says why when MLflow is unreachable, and tries again', async () => {
    const mlflow = new MlflowClient({ ...connectionTo('http://127.0.0.1:9', {}), maxRetries: 0 })
    const sync = new AliasSync(
      { db: t.services.db.db, mlflow, log: createLogger('silent') },
      { intervalMs: 1000 }
    )
    const status = await sync.reconcileNow()
    expect(status.state).toBe('failed')
    expect(status.error).toMatch(
      /^MLflow GET .*registered-models\/get failed: no answer from http:\/\/127\.0\.0\.1:9/
    )
  })
})
