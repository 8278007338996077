// The telemetry store's test suite, run against every driver (store.pglite.test.ts,
// store.postgres.test.ts): bucket sums, idempotency, group commit, back-pressure, the serving
// list and retention, on the real database.

import type { TelemetryPayload } from '@fcv/core'
import { sql } from 'drizzle-orm'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import type { Database } from '../db/open.ts'
import { queryRows } from '../db/storage-suite.ts'
import { listServing, sumBuckets, type BucketQuery } from '../db/telemetry.ts'
import { createLogger } from '../log.ts'
import {
  EXPECTED,
  histogram,
  LATENCY_MS,
  PROBABILITY,
  report,
  widgetSection,
  widgetSeries,
} from '../test-support/telemetry.ts'
import { bucketRows } from './buckets.ts'
import { EdgeTelemetry } from './receiver.ts'
import { TelemetryRetention } from './retention.ts'
import {
  TelemetryReportUnstorableError,
  TelemetryStore,
  TelemetryStoreError,
  type TelemetryStoreOptions,
} from './store.ts'

/** Noon of the day test-support's report() windows are in: buckets are the windows' minutes. */
export const NOON = Date.UTC(2026, 7, 1, 12)
const MINUTE = (m: number) => new Date(Date.UTC(2026, 7, 1, 10, m))

/** A counter's value (summed over the label sets that match `labels`) in a registry. */
export async function counterValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {}
): Promise<number> {
  const metric = registry.getSingleMetric(name)
  if (!metric) throw new Error(`no metric ${name}`)
  const { values } = await metric.get()
  return values
    .filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))
    .reduce((a, v) => a + v.value, 0)
}

export function newStore(db: Database, o: TelemetryStoreOptions = {}) {
  const registry = new Registry()
  const edge = new EdgeTelemetry(registry)
  const store = new TelemetryStore(db.db, edge, registry, { now: () => NOON, ...o })
  return { registry, edge, store }
}

/** Isolate `isolate`'s window at `minute`: `k` requests, scores and features, and widget calls. */
export function sample(isolate: string, minute: number, k = 1): TelemetryPayload {
  const values = Array.from({ length: 3 * k }, (_, i) => (i * 37) % 900)
  return report(isolate, minute, {
    requests: [
      { outcome: 'ok', n: 2 * k },
      { outcome: 'bad_request', n: k },
    ],
    predictions: [{ modelVersion: '7', variant: 'champion', n: 3 * k, errors: k }],
    latencyMs: histogram(LATENCY_MS, [1.5 * k, 30, 700]),
    predicted: [
      {
        modelVersion: '7',
        variant: 'champion',
        expected: histogram(EXPECTED, values),
        pBuy: histogram(
          PROBABILITY,
          values.map((v) => v / 1000)
        ),
      },
    ],
    features: [
      {
        featureSpecVersion: 'v2',
        name: 'recency_days',
        numeric: histogram(EXPECTED, values),
        categories: { GB: k },
      },
    ],
    widget: widgetSection({ accepted: 2 * k, rate_limited: 1 }, [
      widgetSeries('7', 'champion', 'ok', [20, 80 * k], [10, 400]),
      widgetSeries(null, 'champion', 'no_model', [], [], k),
    ]),
    serving: [
      { channel: 'edge', variant: 'champion', modelVersion: '7' },
      { channel: 'widget', variant: 'champion', modelVersion: isolate === 'old' ? '6' : '7' },
    ],
  })
}

/** Elementwise sum of histograms, as the store must compute it. */
function added(hs: { counts: number[]; n: number; sum: number }[]) {
  return {
    counts: hs[0]!.counts.map((_, i) => hs.reduce((a, h) => a + h.counts[i]!, 0)),
    n: hs.reduce((a, h) => a + h.n, 0),
    sum: hs.reduce((a, h) => a + h.sum, 0),
  }
}

const day = (from: Date, to: Date) => ({ from, to })
const wholeDay = day(MINUTE(0), new Date(Date.UTC(2026, 7, 2)))

export function query(kind: string, o: Partial<BucketQuery> = {}): BucketQuery {
  return { source: 'edge', channel: 'edge', modelVersion: '', kind, ...wholeDay, ...o }
}

export function telemetryStoreSuite(name: string, open: () => Promise<Database>): void {
  describe(`telemetry store on ${name}`, () => {
    let database: Database
    beforeAll(async () => {
      database = await open()
      await database.migrate()
    })
    afterAll(() => database?.close())
    beforeEach(async () => {
      await database.db.execute(sql`truncate telemetry_buckets, telemetry_reports`)
    })

    test('sums reports into per-minute buckets, counts elementwise, per kind and source', async () => {
      const { store } = newStore(database)
      const reports = [sample('a', 0, 1), sample('b', 0, 2), sample('c', 1, 3)]
      const answers = await Promise.all(reports.map((r) => store.ingest(r)))
      expect(answers).toEqual(reports.map(() => ({ duplicate: false })))
      const db = database.db

      const value = await sumBuckets(db, query('predicted_value', { modelVersion: '7' }))
      expect(value).toEqual([
        {
          name: 'champion',
          bounds: [...EXPECTED],
          ...added(reports.map((r) => r.predicted[0]!.expected)),
        },
      ])
      // One minute only: the two reports of minute 0.
      const first = await sumBuckets(db, query('latency', day(MINUTE(0), MINUTE(1))))
      expect(first).toEqual([
        {
          name: '',
          bounds: [...LATENCY_MS],
          ...added(reports.slice(0, 2).map((r) => r.latencyMs)),
        },
      ])
      const requests = await sumBuckets(db, query('requests'))
      expect(requests.map((r) => [r.name, r.n, r.counts, r.sum])).toEqual([
        ['bad_request', 6, [6], null],
        ['ok', 12, [12], null],
      ])
      const errors = await sumBuckets(db, query('prediction_errors', { modelVersion: '7' }))
      expect(errors.map((r) => [r.name, r.n])).toEqual([['champion', 6]])
      const feature = await sumBuckets(db, query('feature'))
      expect(feature).toEqual([
        {
          name: 'recency_days',
          bounds: [...EXPECTED],
          ...added(reports.map((r) => r.features[0]!.numeric)),
        },
      ])
      // The widget section under source and channel widget; no sums.
      const widget = { source: 'widget', channel: 'widget' }
      const beacons = await sumBuckets(db, query('beacons', widget))
      expect(beacons.map((r) => [r.name, r.n])).toEqual([
        ['accepted', 12],
        ['rate_limited', 3],
      ])
      const wValue = await sumBuckets(
        db,
        query('widget_predicted_value', { ...widget, modelVersion: '7' })
      )
      const series = reports.map((r) => r.widget!.series[0]!.expected)
      expect(wValue).toEqual([
        {
          name: 'champion',
          bounds: reports[0]!.widget!.bounds.expected,
          counts: series[0]!.map((_, i) => series.reduce((a, s) => a + s[i]!, 0)),
          n: 6,
          sum: null,
        },
      ])
      const noModel = await sumBuckets(
        db,
        query('widget_scores', { ...widget, modelVersion: '__none__' })
      )
      expect(noModel.map((r) => [r.name, r.n])).toEqual([['champion:no_model', 6]])
      // One row per key and minute, however many reports: minute 0 folded a and b.
      const perMinute = await queryRows<{ minute: Date; n: number }>(
        db,
        sql`select bucket_start as minute, count(*)::int as n from telemetry_buckets
            where kind = 'latency' group by bucket_start order by bucket_start`
      )
      expect(perMinute.map((r) => r.n)).toEqual([1, 1])
    })

    test('a report sent twice, or twice at once, is stored and counted once', async () => {
      const { store, registry } = newStore(database)
      const r = sample('a', 5)
      expect(await store.ingest(r)).toEqual({ duplicate: false })
      expect(await store.ingest(structuredClone(r))).toEqual({ duplicate: true })
      const twin = sample('b', 5)
      const both = await Promise.all([store.ingest(twin), store.ingest(structuredClone(twin))])
      expect(both.map((x) => x.duplicate).sort()).toEqual([false, true])
      expect(await counterValue(registry, 'fcv_edge_telemetry_reports_total')).toBe(2)
      expect(
        await counterValue(registry, 'fcv_edge_telemetry_rejected_total', { reason: 'duplicate' })
      ).toBe(2)
      expect(await counterValue(registry, 'fcv_edge_requests_total', { outcome: 'ok' })).toBe(4)
      const ok = await sumBuckets(database.db, query('requests'))
      expect(ok.find((x) => x.name === 'ok')!.n).toBe(4)
    })

    test('commits many concurrent reports in fewer transactions than reports', async () => {
      const { store, registry } = newStore(database, { maxDelayMs: 5, maxBatch: 100 })
      const reports = Array.from({ length: 300 }, (_, i) => sample(`iso-${i}`, i % 7))
      const answers = await Promise.all(reports.map((r) => store.ingest(r)))
      expect(answers.every((a) => !a.duplicate)).toBe(true)
      const batches = await counterValue(registry, 'fcv_telemetry_store_batches_total', {
        outcome: 'committed',
      })
      expect(batches).toBeGreaterThanOrEqual(3)
      expect(batches).toBeLessThan(reports.length / 10)
      const [stored] = await queryRows<{ n: number }>(
        database.db,
        sql`select count(*)::int as n from telemetry_reports`
      )
      expect(stored!.n).toBe(300)
      const ok = await sumBuckets(database.db, query('requests'))
      expect(ok.find((x) => x.name === 'ok')!.n).toBe(600)
      // Folded: at most one row per key and minute per batch, not one per report.
      const perReport = bucketRows(reports[0]!, NOON).length
      expect(
        await counterValue(registry, 'fcv_telemetry_store_rows_written_total', {
          table: 'telemetry_buckets',
        })
      ).toBeLessThanOrEqual(batches * 7 * perReport)
    })

    test('refuses reports beyond the pending limit (too_busy), storing the others', async () => {
      const { store, registry } = newStore(database, { maxPending: 5, maxDelayMs: 20 })
      const results = await Promise.allSettled(
        Array.from({ length: 9 }, (_, i) => store.ingest(sample(`busy-${i}`, 0)))
      )
      const refused = results.filter((r) => r.status === 'rejected')
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5)
      expect(refused).toHaveLength(4)
      for (const r of refused) {
        const e = (r as PromiseRejectedResult).reason as TelemetryStoreError
        expect(e).toBeInstanceOf(TelemetryStoreError)
        expect(e.code).toBe('too_busy')
      }
      expect(
        await counterValue(registry, 'fcv_telemetry_store_reports_total', { outcome: 'too_busy' })
      ).toBe(4)
    })

    test('a report that cannot be stored is refused alone, its batch neighbours are stored', async () => {
      const { store } = newStore(database, { maxDelayMs: 20 })
      const huge = (isolate: string) => {
        const r = sample(isolate, 9)
        r.latencyMs.sum = 1.5e308
        return r
      }
      await store.ingest(huge('h1'))
      // Adding another 1.5e308 to that bucket's sum overflows double precision in the database.
      const [bad, good] = await Promise.allSettled([
        store.ingest(huge('h2')),
        store.ingest(sample('fine', 9)),
      ])
      expect(bad.status).toBe('rejected')
      expect((bad as PromiseRejectedResult).reason).toBeInstanceOf(TelemetryReportUnstorableError)
      expect(good).toEqual({ status: 'fulfilled', value: { duplicate: false } })
      const ok = await sumBuckets(database.db, query('requests'))
      expect(ok.find((x) => x.name === 'ok')!.n).toBe(4)
    })

    test('lists the versions reported as served since a time, with their isolates', async () => {
      const { store } = newStore(database)
      await Promise.all(['a', 'b', 'old'].map((i) => store.ingest(sample(i, 0))))
      await store.ingest(sample('a', 1))
      const since = new Date(NOON - 60_000)
      expect(
        (await listServing(database.db, since)).map((s) => ({
          ...s,
          firstReportedAt: +s.firstReportedAt,
          lastReportedAt: +s.lastReportedAt,
        }))
      ).toEqual([
        {
          channel: 'edge',
          variant: 'champion',
          modelVersion: '7',
          isolates: 3,
          firstReportedAt: NOON,
          lastReportedAt: NOON,
        },
        {
          channel: 'widget',
          variant: 'champion',
          modelVersion: '6',
          isolates: 1,
          firstReportedAt: NOON,
          lastReportedAt: NOON,
        },
        {
          channel: 'widget',
          variant: 'champion',
          modelVersion: '7',
          isolates: 2,
          firstReportedAt: NOON,
          lastReportedAt: NOON,
        },
      ])
      expect(await listServing(database.db, new Date(NOON + 1))).toEqual([])
    })

    test('retention deletes buckets and report keys past the retention, in batches', async () => {
      const DAY = 86_400_000
      // Old reports: their windows' minutes, received then; new ones a day later.
      const old = newStore(database, { now: () => NOON })
      await Promise.all(['a', 'b', 'c'].map((i) => old.store.ingest(sample(i, 0))))
      const later = newStore(database, { now: () => NOON + DAY })
      const fresh = sample('d', 0)
      fresh.window = {
        start: new Date(NOON + DAY - 60_000).toISOString(),
        end: new Date(NOON + DAY).toISOString(),
      }
      await later.store.ingest(fresh)
      const count = async (table: string) =>
        (
          await queryRows<{ n: number }>(
            database.db,
            sql.raw(`select count(*)::int as n from ${table}`)
          )
        )[0]!.n
      const oldBuckets = bucketRows(sample('a', 0), NOON).length
      expect(await count('telemetry_buckets')).toBe(
        oldBuckets + bucketRows(fresh, NOON + DAY).length
      )
      const retention = new TelemetryRetention(database.db, createLogger('silent'), {
        retentionDays: 0.5,
        batch: 2,
        now: () => NOON + DAY,
      })
      expect(await retention.runOnce()).toEqual({ buckets: oldBuckets, reports: 3 })
      expect(await count('telemetry_reports')).toBe(1)
      expect(await count('telemetry_buckets')).toBe(oldBuckets)
      expect(await retention.runOnce()).toEqual({ buckets: 0, reports: 0 })
    })
  })
}
