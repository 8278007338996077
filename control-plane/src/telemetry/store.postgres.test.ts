import { sql } from 'drizzle-orm'
import { afterAll, describe, expect, inject, test } from 'vitest'
import { Telemetry } from '../../../edge-worker/src/telemetry.ts'
import type { Registry } from 'prom-client'
import { openDatabase } from '../db/open.ts'
import { createMetrics } from '../metrics.ts'
import { sumBuckets } from '../db/telemetry.ts'
import { createTestDatabase, startPostgresCluster } from '../db/test-postgres.ts'
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../test-support/harness.ts'
import { counterValue, query, sample, telemetryStoreSuite } from './store-suite.ts'

const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

async function freshDatabaseUrl(): Promise<string> {
  const created = await createTestDatabase(inject('fcvPostgresUrl'))
  cleanups.push(created.drop)
  return created.url
}

telemetryStoreSuite('PostgreSQL', async () => openDatabase({ url: await freshDatabaseUrl() }))

/** A control plane replica on `url`, with its own Prometheus registry. */
async function startApp(url: string): Promise<TestApp & { registry: Registry }> {
  const metrics = createMetrics()
  const app = await startTestApp(inject('mlflowUri'), { DATABASE_URL: url }, { metrics })
  cleanups.push(() => app.close())
  return { ...app, registry: metrics.registry }
}

const edgeReports = (app: { registry: Registry }) =>
  counterValue(app.registry, 'fcv_edge_telemetry_reports_total')
const registryOf = (app: { registry: Registry }) => app.registry

describe('telemetry store: two replicas on one PostgreSQL', () => {
  test('each report is stored and counted once, and the replicas’ counters sum to the fleet', async () => {
    const url = await freshDatabaseUrl()
    const [a, b] = await Promise.all([startApp(url), startApp(url)])
    const reports = Array.from({ length: 40 }, (_, i) => sample(`iso-${i}`, i % 5, 1 + (i % 3)))
    // Every report to both replicas at once, as a worker retrying against a load balancer might.
    const answers = await Promise.all(
      reports.flatMap((r) => [a, b].map((app) => app.call('POST', '/v1/telemetry', { body: r })))
    )
    expect(answers.every((x) => x.status === 202)).toBe(true)
    for (let i = 0; i < reports.length; i++) {
      const pair = [answers[2 * i]!.body.duplicate, answers[2 * i + 1]!.body.duplicate]
      expect(pair.sort(), `report ${i}`).toEqual([false, true])
    }
    const counted = [await edgeReports(a), await edgeReports(b)]
    expect(counted[0]! + counted[1]!).toBe(reports.length)
    const okSent = reports.reduce((n, r) => n + r.requests.find((x) => x.outcome === 'ok')!.n, 0)
    const okCounted = await Promise.all(
      [a, b].map((app) =>
        counterValue(registryOf(app), 'fcv_edge_requests_total', { outcome: 'ok' })
      )
    )
    expect(okCounted[0]! + okCounted[1]!).toBe(okSent)
    const stored = await sumBuckets(a.services.db.db, query('requests'))
    expect(stored.find((x) => x.name === 'ok')!.n).toBe(okSent)
  })
})

describe('telemetry store: the database going away and coming back', () => {
  test('refused windows answer 503, the workers resend them, and the totals are exact', async () => {
    const cluster = await startPostgresCluster()
    cleanups.push(() => cluster.stop())
    // The throwaway cluster runs with synchronous_commit off (test-postgres.ts), where a crash
    // loses the last commits; production keeps PostgreSQL's default, on, as this database does.
    const admin = await openDatabase({ url: cluster.url })
    await admin.db.execute(sql`alter database postgres set synchronous_commit = on`)
    await admin.close()
    const app = await startApp(cluster.url)
    const answers: { status: number; code?: string; retryAfter: string | null }[] = []
    // Workers as the edge runs them: their windows POSTed to this control plane.
    const send = (async (_url: string | URL | Request, init?: RequestInit) => {
      const r = await app.call('POST', '/v1/telemetry', {
        token: ADMIN_TOKEN,
        body: JSON.parse(String(init!.body)),
      })
      answers.push({
        status: r.status,
        code: r.body?.error?.code,
        retryAfter: r.headers.get('retry-after'),
      })
      return new Response(JSON.stringify(r.body), { status: r.status })
    }) as typeof fetch
    let now = Date.UTC(2026, 7, 1, 10)
    const target = {
      url: 'http://cp.test/v1/telemetry',
      token: ADMIN_TOKEN,
      flushMs: 60_000,
      flushPredictions: 1e9,
    }
    const workers = Array.from({ length: 6 }, () => new Telemetry(() => now, send))
    let recorded = 0
    const round = async (during?: () => Promise<void>) => {
      workers.forEach((w, i) => {
        for (let k = 0; k <= i; k++) w.request('ok', 3 + k)
        recorded += i + 1
      })
      now += 60_000
      await Promise.all([...workers.map((w) => w.flushIfDue(target)), during?.()])
    }
    await round()
    await round()
    // The database stops while the third round's reports are in flight.
    await round(() => cluster.pause())
    await round()
    await round()
    const refused = answers.filter((x) => x.status !== 202)
    expect(refused.length).toBeGreaterThanOrEqual(12)
    for (const x of refused) {
      expect(x).toEqual({ status: 503, code: 'telemetry_store_unavailable', retryAfter: '5' })
    }
    expect(workers.every((w) => w.unsentWindows >= 2)).toBe(true)
    await cluster.resume()
    await round()
    await round()
    expect(workers.map((w) => w.unsentWindows)).toEqual(workers.map(() => 0))
    // Exactly what was recorded: nothing lost, nothing counted twice, nothing half-written.
    const stored = await sumBuckets(app.services.db.db, query('requests'))
    expect(stored).toEqual([{ name: 'ok', bounds: [], counts: [recorded], n: recorded, sum: null }])
    expect(await counterValue(registryOf(app), 'fcv_edge_requests_total', { outcome: 'ok' })).toBe(
      recorded
    )
    expect(
      await counterValue(registryOf(app), 'fcv_edge_telemetry_dropped_total', {
        kind: 'flush_failures',
      })
    ).toBe(0)
    expect(
      await counterValue(registryOf(app), 'fcv_telemetry_store_batches_total', {
        outcome: 'failed',
      })
    ).toBeGreaterThan(0)
  })
})
