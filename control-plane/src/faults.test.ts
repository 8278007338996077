import { generateSigningKey } from '@fcv/core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createApp } from './app.ts'
import { loadConfig } from './config.ts'
import {
  getDeployment,
  getPromotionByKey,
  listDeploymentRevisions,
  openDatabase,
} from './db/index.ts'
import {
  createTestDatabase,
  startPostgresCluster,
  type PostgresCluster,
} from './db/test-postgres.ts'
import { createLogger } from './log.ts'
import { createServices } from './services.ts'
import { ADMIN_TOKEN } from './test-support/harness.ts'
import { startControlPlane } from './test-support/process.ts'
import { startPushTarget, type PushTarget } from './test-support/push-target.ts'
import { goodTags, registerVersion } from './test-support/registry.ts'
import { connectionTo, MlflowClient } from '@fcv/core'

// Faults with real components: the control plane killed with SIGKILL in the middle of a promotion
// (PostgreSQL), and PostgreSQL itself stopped and started under load.

const mlflowUri = inject('mlflowUri')
const mlflow = new MlflowClient(connectionTo(mlflowUri, {}))
const auth = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }

describe('kill -9 in the middle of a promotion', { timeout: 120_000 }, () => {
  let edge: PushTarget
  let db: { url: string; drop(): Promise<void> }
  beforeAll(async () => {
    edge = await startPushTarget()
    db = await createTestDatabase(inject('fcvPostgresUrl'))
  })
  afterAll(async () => {
    await edge.close()
    await db.drop()
  })

  it('leaves the old deployment or the new one, never a mix, and the retry completes it', async () => {
    const model = `cp-kill-${Date.now()}`
    const version = await registerVersion(mlflow, model, goodTags())
    const key = await generateSigningKey()
    const env = {
      DATABASE_URL: db.url,
      MLFLOW_TRACKING_URI: mlflowUri,
      FCV_ADMIN_TOKEN: ADMIN_TOKEN,
      FCV_SIGNING_KEY: key.privateKeyPkcs8,
      FCV_EDGE_PUBLISH_URLS: edge.url,
      FCV_MODEL_NAME: model,
      FCV_PROMOTION_LEASE_MS: '1500',
    }
    const first = await startControlPlane(env)
    edge.delayMs = 5_000 // the publish is in flight when the process dies
    const body = JSON.stringify({ version, channel: 'edge', reason: 'survives a crash' })
    const headers = { ...auth, 'idempotency-key': 'crash-test-key-1' }
    const pending = fetch(`${first.url}/v1/models/${model}/promotions`, {
      method: 'POST',
      headers,
      body,
    }).catch((e: Error) => e)
    while (edge.pushesArrived === 0) await new Promise((r) => setTimeout(r, 20))
    await first.kill('SIGKILL')
    expect(await pending).toBeInstanceOf(Error)

    const store = await openDatabase({ url: db.url })
    try {
      // After the crash: the old state (nothing deployed), an unfinished journal entry, no revision.
      expect(await getDeployment(store.db, model, 'edge')).toBeUndefined()
      expect(await listDeploymentRevisions(store.db, model, 'edge')).toEqual([])
      const journal = await getPromotionByKey(store.db, 'crash-test-key-1')
      expect(journal?.status).toBe('in_progress')
      expect(journal?.bundleDigest).toMatch(/^[0-9a-f]{64}$/)

      edge.delayMs = 0
      const second = await startControlPlane(env)
      try {
        // The same request, same key: resumed once the dead process's lease has run out.
        let res: Response
        for (;;) {
          res = await fetch(`${second.url}/v1/models/${model}/promotions`, {
            method: 'POST',
            headers,
            body,
          })
          if (res.status !== 409) break
          const err = (await res.json()) as { error: { code: string } }
          expect(err.error.code).toBe('promotion_in_progress')
          await new Promise((r) => setTimeout(r, 300))
        }
        const done = (await res.json()) as {
          bundle: { digest: string }
          deployment: { revision: number }
        }
        expect(res.status, JSON.stringify(done)).toBe(200)
        expect(done.bundle.digest).toBe(journal!.bundleDigest) // the bundle built before the crash
        expect(done.deployment.revision).toBe(1)
        const d = await getDeployment(store.db, model, 'edge')
        expect(d).toMatchObject({
          championVersion: version,
          championBundle: journal!.bundleDigest,
          revision: 1,
        })
        expect((await getPromotionByKey(store.db, 'crash-test-key-1'))?.status).toBe('succeeded')
        expect((await mlflow.getVersionByAlias(model, 'champion-edge'))?.version).toBe(version)
        const again = await fetch(`${second.url}/v1/models/${model}/promotions`, {
          method: 'POST',
          headers,
          body,
        })
        expect(again.headers.get('idempotent-replayed')).toBe('true')
      } finally {
        await second.kill('SIGTERM')
      }
    } finally {
      await store.close()
    }
  })
})

describe('PostgreSQL restarting under load', { timeout: 120_000 }, () => {
  let cluster: PostgresCluster
  beforeAll(async () => {
    cluster = await startPostgresCluster()
  })
  afterAll(() => cluster?.stop())

  it('answers 503 only while the database is down, and recovers by itself', async () => {
    const config = loadConfig({
      DATABASE_URL: cluster.url,
      MLFLOW_TRACKING_URI: mlflowUri,
      FCV_ADMIN_TOKEN: ADMIN_TOKEN,
      LOG_LEVEL: 'silent',
    })
    const services = await createServices(config, createLogger('silent'), {})
    const app = createApp(services)
    const results: { at: number; status: number }[] = []
    const t0 = performance.now()
    let downAt = 0
    let upAt = 0
    const load = async () => {
      while (performance.now() - t0 < 7_000) {
        const res = await app.request('/v1/models', { headers: auth })
        results.push({ at: performance.now() - t0, status: res.status })
        if (res.status !== 200) {
          expect(res.status).toBe(503)
          expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
            'database_unavailable'
          )
        } else await res.body?.cancel()
        await new Promise((r) => setTimeout(r, 10))
      }
    }
    const chaos = async () => {
      await new Promise((r) => setTimeout(r, 1_500))
      downAt = performance.now() - t0
      await cluster.pause()
      const ready = await app.request('/readyz')
      expect(ready.status).toBe(503)
      await new Promise((r) => setTimeout(r, 1_500))
      await cluster.resume()
      upAt = performance.now() - t0
    }
    await Promise.all([load(), load(), load(), chaos()])
    await services.db.close()
    const before = results.filter((r) => r.at < downAt)
    const during = results.filter((r) => r.at > downAt + 200 && r.at < upAt)
    const after = results.filter((r) => r.at > upAt + 1_000)
    expect(before.length).toBeGreaterThan(20)
    expect(before.every((r) => r.status === 200)).toBe(true)
    expect(during.some((r) => r.status === 503)).toBe(true)
    expect(after.length).toBeGreaterThan(20)
    expect(after.every((r) => r.status === 200)).toBe(true)
    const errors = results.filter((r) => r.status !== 200)
    expect(errors.every((r) => r.at >= downAt && r.at <= upAt + 1_000)).toBe(true)
  })
})
