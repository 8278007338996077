// The durable telemetry store's tables: report keys (idempotency across replicas, what isolates
// serve) and per-minute buckets that reports add to. Writes take a transaction (the store's batch);
// reads sum buckets over a time range for drift and list what is served for staleness.

import type { TelemetryServing } from '@fcv/core'
import { and, eq, gte, inArray, lt, sql } from 'drizzle-orm'
import { telemetryBuckets, telemetryReports } from './schema.ts'
import type { Db } from './types.ts'

export interface ReportKeyRow {
  reportKey: string
  isolate: string
  windowStart: Date
  windowEnd: Date
  receivedAt: Date
  colo: string | null
  serving: TelemetryServing[] | null
}

export interface BucketWrite {
  bucketStart: Date
  source: string
  channel: string
  modelVersion: string
  kind: string
  name: string
  bounds: number[]
  boundsKey: string
  counts: number[]
  n: number
  sum: number | null
}

/** Rows per statement: 11 parameters a row stays well under PostgreSQL's 65,535. */
const CHUNK = 2000

function chunks<T>(xs: readonly T[]): T[][] {
  const out: T[][] = []
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK))
  return out
}

/**
 * Inserts the report keys not stored yet and returns those it inserted: a key another
 * transaction committed (another replica, an earlier retry) is skipped, one it is inserting
 * waits for that transaction to end.
 */
export async function insertReportKeys(
  db: Db,
  rows: readonly ReportKeyRow[]
): Promise<Set<string>> {
  const inserted = new Set<string>()
  for (const part of chunks(rows)) {
    const got = await db
      .insert(telemetryReports)
      .values(part)
      .onConflictDoNothing()
      .returning({ reportKey: telemetryReports.reportKey })
    for (const r of got) inserted.add(r.reportKey)
  }
  return inserted
}

/** Adds each row to its bucket: counts elementwise (same bounds, so same length), n and sum. */
export async function addToBuckets(db: Db, rows: readonly BucketWrite[]): Promise<void> {
  const t = sql.raw('"telemetry_buckets"')
  for (const part of chunks(rows)) {
    await db
      .insert(telemetryBuckets)
      .values(part)
      .onConflictDoUpdate({
        target: [
          telemetryBuckets.bucketStart,
          telemetryBuckets.source,
          telemetryBuckets.channel,
          telemetryBuckets.modelVersion,
          telemetryBuckets.kind,
          telemetryBuckets.name,
          telemetryBuckets.boundsKey,
        ],
        set: {
          counts: sql`(select array_agg(coalesce(o.a, 0) + coalesce(o.b, 0) order by o.i)
            from unnest(${t}."counts", excluded."counts") with ordinality as o(a, b, i))`,
          n: sql`${t}."n" + excluded."n"`,
          // null only while both are: the kinds without sums never have one.
          sum: sql`case when ${t}."sum" is null and excluded."sum" is null then null
            else coalesce(${t}."sum", 0) + coalesce(excluded."sum", 0) end`,
        },
      })
  }
}

export interface BucketSum {
  name: string
  bounds: number[]
  counts: number[]
  n: number
  sum: number | null
}

export interface BucketQuery {
  source: string
  channel: string
  modelVersion: string
  kind: string
  /** Buckets starting at or after `from`... */
  from: Date
  /** ...and before `to`. */
  to: Date
}

/**
 * The buckets of a source, channel, model version and kind in [from, to), summed per name and
 * bounds (a name reported with two sets of bounds, e.g. across a worker upgrade, gives two sums).
 */
export async function sumBuckets(db: Db, q: BucketQuery): Promise<BucketSum[]> {
  const b = telemetryBuckets
  // Summed here rather than in SQL: the rows are already one per series and minute, so a window
  // is a few thousand at most, and elementwise array sums read more plainly in TypeScript.
  const rows = await db
    .select({
      name: b.name,
      boundsKey: b.boundsKey,
      bounds: b.bounds,
      counts: b.counts,
      n: b.n,
      sum: b.sum,
    })
    .from(b)
    .where(
      and(
        eq(b.source, q.source),
        eq(b.channel, q.channel),
        eq(b.modelVersion, q.modelVersion),
        eq(b.kind, q.kind),
        gte(b.bucketStart, q.from),
        lt(b.bucketStart, q.to)
      )
    )
  const sums = new Map<string, BucketSum>()
  for (const r of rows) {
    const key = JSON.stringify([r.name, r.boundsKey])
    const had = sums.get(key)
    if (!had) {
      sums.set(key, { name: r.name, bounds: r.bounds, counts: [...r.counts], n: r.n, sum: r.sum })
      continue
    }
    r.counts.forEach((c, i) => (had.counts[i] = (had.counts[i] ?? 0) + c))
    had.n += r.n
    had.sum = had.sum === null && r.sum === null ? null : (had.sum ?? 0) + (r.sum ?? 0)
  }
  return [...sums.values()].sort(
    (x, y) => x.name.localeCompare(y.name) || x.bounds.length - y.bounds.length
  )
}

export interface ServingReport {
  channel: TelemetryServing['channel']
  variant: TelemetryServing['variant']
  modelVersion: string
  /** Distinct isolates that reported serving it since the time asked for. */
  isolates: number
  /** The first and the last report that said so (since the time asked for). */
  firstReportedAt: Date
  lastReportedAt: Date
}

/** The distinct `serving` entries of the reports received since `since`, with their isolates. */
export async function listServing(db: Db, since: Date): Promise<ServingReport[]> {
  const rows = (await db.execute(sql`
    select s.channel, s.variant, s."modelVersion" as model_version,
           count(distinct r.isolate)::int as isolates,
           min(r.received_at) as first_reported_at, max(r.received_at) as last_reported_at
    from ${telemetryReports} r
    -- the record's columns are named after the JSON keys
    cross join lateral jsonb_to_recordset(r.serving)
      as s(channel text, variant text, "modelVersion" text)
    where r.received_at >= ${since} and r.serving is not null
    group by s.channel, s.variant, s."modelVersion"
    order by s.channel, s.variant, s."modelVersion"`)) as unknown as {
    rows: Record<string, unknown>[]
  }
  return rows.rows.map((r) => ({
    channel: r['channel'] as ServingReport['channel'],
    variant: r['variant'] as ServingReport['variant'],
    modelVersion: String(r['model_version']),
    isolates: Number(r['isolates']),
    firstReportedAt: new Date(r['first_reported_at'] as string | Date),
    lastReportedAt: new Date(r['last_reported_at'] as string | Date),
  }))
}

/**
 * The model versions with rows of any of `kinds` in [from, to) for a source and channel, with the
 * sum of their `n` (customers scored, calls made) and their first bucket, most first.
 */
export async function listBucketVersions(
  db: Db,
  q: { source: string; channel: string; kinds: readonly string[]; from: Date; to: Date }
): Promise<{ modelVersion: string; n: number; firstBucket: Date }[]> {
  const b = telemetryBuckets
  const rows = await db
    .select({
      modelVersion: b.modelVersion,
      n: sql<number>`sum(${b.n})`.mapWith(Number),
      firstBucket: sql<Date>`min(${b.bucketStart})`.mapWith((v: string | Date) => new Date(v)),
    })
    .from(b)
    .where(
      and(
        eq(b.source, q.source),
        eq(b.channel, q.channel),
        inArray(b.kind, [...q.kinds]),
        gte(b.bucketStart, q.from),
        lt(b.bucketStart, q.to)
      )
    )
    .groupBy(b.modelVersion)
  return rows.sort((x, y) => y.n - x.n || x.modelVersion.localeCompare(y.modelVersion))
}

/**
 * Deletes buckets and report keys older than `before`, at most `batch` rows per statement (each
 * its own short transaction), until none are left; returns how many of each went.
 */
export async function deleteTelemetryBefore(
  db: Db,
  before: Date,
  batch = 5000
): Promise<{ buckets: number; reports: number }> {
  const drop = async (table: 'telemetry_buckets' | 'telemetry_reports', column: string) => {
    let total = 0
    for (;;) {
      const t = sql.raw(`"${table}"`)
      const c = sql.raw(`"${column}"`)
      const res = (await db.execute(sql`
        delete from ${t} where ctid in (select ctid from ${t} where ${c} < ${before} limit ${batch})`)) as unknown as {
        rowCount?: number | null
        affectedRows?: number
      }
      const n = Number(res.rowCount ?? res.affectedRows ?? 0)
      total += n
      if (n < batch) return total
    }
  }
  return {
    buckets: await drop('telemetry_buckets', 'bucket_start'),
    reports: await drop('telemetry_reports', 'received_at'),
  }
}

/** The report key rows received since `since` (tests, admin). */
export async function listReportKeys(db: Db, since: Date): Promise<ReportKeyRow[]> {
  return db
    .select()
    .from(telemetryReports)
    .where(gte(telemetryReports.receivedAt, since))
    .orderBy(telemetryReports.receivedAt, telemetryReports.reportKey)
}
