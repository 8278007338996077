import type { TelemetryPayload } from '@fcv/core'
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { addToBuckets, insertReportKeys, type ReportKeyRow } from '../db/telemetry.ts'
import { transaction } from '../db/transaction.ts'
import type { Db } from '../db/types.ts'
import { isDatabaseUnavailable } from '../db-unavailable.ts'
import { BucketFold } from './buckets.ts'
import type { EdgeTelemetry } from './receiver.ts'

// The durable telemetry store, with group commit: ingest() queues a (validated) report and waits
// for its batch; a writer commits a batch every few milliseconds, or at once when maxBatch are
// waiting, in ONE transaction: the report keys are inserted (ON CONFLICT DO NOTHING RETURNING
// tells the new ones from reports another replica or an earlier retry committed), the new reports
// are folded into one row per bucket key, and those are added to telemetry_buckets. Only after the
// commit are the reports counted in the in-memory Prometheus metrics and answered as accepted: an
// accepted report is a committed one, and each report is counted by exactly one replica.
// When the transaction fails, the whole batch is refused (nothing of it was written) and the
// workers resend it; the same isolate and window make the resend idempotent.

export interface TelemetryStoreOptions {
  /** Reports per transaction at most. */
  maxBatch?: number
  /** How long the first report of a batch waits for others. */
  maxDelayMs?: number
  /** Reports waiting for a transaction at most; beyond, ingest refuses with too_busy. */
  maxPending?: number
  now?: () => number
}

export type TelemetryStoreRefusal = 'too_busy' | 'telemetry_store_unavailable'

/** A report the store did not accept (nothing of it written): answered 503 with Retry-After. */
export class TelemetryStoreError extends Error {
  override readonly name = 'TelemetryStoreError'
  readonly code: TelemetryStoreRefusal
  readonly retryAfterSeconds: number
  constructor(code: TelemetryStoreRefusal, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.retryAfterSeconds = code === 'too_busy' ? 1 : 5
  }
}

/** A report that fails on its own with a data error (a sum out of double range): never storable. */
export class TelemetryReportUnstorableError extends Error {
  override readonly name = 'TelemetryReportUnstorableError'
}

interface Pending {
  report: TelemetryPayload
  key: string
  resolve(r: { duplicate: boolean }): void
  reject(e: Error): void
}

/** [isolate, window start, window end] with the instants normalised, as JSON. */
export function reportKeyOf(p: TelemetryPayload): string {
  const iso = (s: string) => new Date(s).toISOString()
  return JSON.stringify([p.source.isolate, iso(p.window.start), iso(p.window.end)])
}

/** SQLSTATE of an error or one of its causes (drizzle wraps the driver's). */
function sqlState(err: unknown): string | undefined {
  let e: unknown = err
  for (let depth = 0; e instanceof Object && depth < 5; depth++) {
    const { code, cause } = e as { code?: unknown; cause?: unknown }
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code
    e = cause
  }
  return undefined
}

/** Serialization failure or deadlock: the transaction can simply run again. */
const RETRYABLE = new Set(['40001', '40P01'])

export class TelemetryStore {
  private readonly db: Db
  private readonly edge: EdgeTelemetry
  private readonly o: Required<TelemetryStoreOptions>
  private queue: Pending[] = []
  private inFlight = 0
  private writing = false
  private timer: NodeJS.Timeout | null = null
  private readonly batches: Counter<'outcome'>
  private readonly reports: Counter<'outcome'>
  private readonly rows: Counter<'table'>
  private readonly duration: Histogram
  private readonly batchSize: Histogram

  constructor(db: Db, edge: EdgeTelemetry, registry: Registry, o: TelemetryStoreOptions = {}) {
    this.db = db
    this.edge = edge
    this.o = { maxBatch: 500, maxDelayMs: 5, maxPending: 20_000, now: Date.now, ...o }
    const registers = [registry]
    this.batches = new Counter({
      name: 'fcv_telemetry_store_batches_total',
      help: 'Telemetry store transactions by outcome: committed, or failed (every report of the batch answered 503)',
      labelNames: ['outcome'],
      registers,
    })
    this.reports = new Counter({
      name: 'fcv_telemetry_store_reports_total',
      help: 'Telemetry reports through the store by outcome: stored, duplicate (stored before), too_busy, unavailable (both answered 503), unstorable',
      labelNames: ['outcome'],
      registers,
    })
    this.rows = new Counter({
      name: 'fcv_telemetry_store_rows_written_total',
      help: 'Rows the telemetry store inserted or updated, by table',
      labelNames: ['table'],
      registers,
    })
    this.duration = new Histogram({
      name: 'fcv_telemetry_store_batch_duration_seconds',
      help: 'Wall time of a telemetry store transaction (committed or failed)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    })
    this.batchSize = new Histogram({
      name: 'fcv_telemetry_store_batch_reports',
      help: 'Reports per telemetry store transaction',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers,
    })
    for (const outcome of ['committed', 'failed']) this.batches.inc({ outcome }, 0)
    for (const outcome of ['stored', 'duplicate', 'too_busy', 'unavailable', 'unstorable'])
      this.reports.inc({ outcome }, 0)
    for (const table of ['telemetry_reports', 'telemetry_buckets']) this.rows.inc({ table }, 0)
    const pending = () => this.queue.length + this.inFlight
    new Gauge({
      name: 'fcv_telemetry_store_pending_reports',
      help: 'Telemetry reports waiting for or in a store transaction',
      registers,
      collect() {
        this.set(pending())
      },
    })
  }

  /**
   * Stores a valid report (the route validated it) and counts it: resolves once its transaction
   * committed, `duplicate` when it was stored before (counted nothing). Rejects with a
   * TelemetryStoreError when it was not stored: queue full, or the database failed.
   */
  ingest(report: TelemetryPayload): Promise<{ duplicate: boolean }> {
    if (this.queue.length >= this.o.maxPending) {
      this.reports.inc({ outcome: 'too_busy' })
      return Promise.reject(
        new TelemetryStoreError(
          'too_busy',
          `${this.queue.length} telemetry reports are waiting to be stored; retry shortly`
        )
      )
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ report, key: reportKeyOf(report), resolve, reject })
      this.schedule()
    })
  }

  /** Resolves when every report queued so far has been answered. */
  async drain(): Promise<void> {
    while (this.queue.length || this.writing) await new Promise((r) => setTimeout(r, 1))
  }

  private schedule(): void {
    if (this.writing) return // the running batch takes the queue up when it ends
    if (this.queue.length >= this.o.maxBatch) {
      if (this.timer) clearTimeout(this.timer)
      this.timer = null
      void this.writeNext()
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null
        void this.writeNext()
      }, this.o.maxDelayMs)
      this.timer.unref()
    }
  }

  private async writeNext(): Promise<void> {
    if (this.writing) return
    this.writing = true
    try {
      // What queued during a transaction has waited for it already: next batch at once.
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.o.maxBatch)
        this.inFlight = batch.length
        await this.write(batch)
        this.inFlight = 0
      }
    } finally {
      this.writing = false
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    // A report sent twice into one batch: the first copy is stored, the others are duplicates.
    const first = new Map<string, Pending>()
    const again: Pending[] = []
    for (const p of batch) {
      if (first.has(p.key)) again.push(p)
      else first.set(p.key, p)
    }
    let stored: Set<string>
    try {
      stored = await this.commit([...first.values()])
    } catch (err) {
      if (!isDatabaseUnavailable(err) && first.size > 1) {
        // Not the database going away: find the report that cannot be stored by storing each
        // report alone, so one bad report does not refuse its neighbours.
        for (const p of first.values()) await this.write([p])
        for (const p of again) this.answerDuplicate(p)
        return
      }
      const unstorable = first.size === 1 && sqlState(err)?.startsWith('22')
      for (const p of batch) {
        this.reports.inc({ outcome: unstorable ? 'unstorable' : 'unavailable' })
        p.reject(
          unstorable
            ? new TelemetryReportUnstorableError(
                `the report cannot be stored: ${(err as Error).message}`,
                { cause: err }
              )
            : new TelemetryStoreError(
                'telemetry_store_unavailable',
                'the telemetry store (database) is unavailable; nothing of the report was stored, resend it',
                { cause: err }
              )
        )
      }
      return
    }
    for (const p of first.values()) {
      if (stored.has(p.key)) {
        this.edge.record(p.report)
        this.reports.inc({ outcome: 'stored' })
        p.resolve({ duplicate: false })
      } else this.answerDuplicate(p)
    }
    for (const p of again) this.answerDuplicate(p)
  }

  private answerDuplicate(p: Pending): void {
    this.edge.rejected('duplicate')
    this.reports.inc({ outcome: 'duplicate' })
    p.resolve({ duplicate: true })
  }

  /** One transaction (run again on a deadlock or serialization failure); the keys it stored. */
  private async commit(batch: Pending[]): Promise<Set<string>> {
    const receivedAt = this.o.now()
    const keys: ReportKeyRow[] = batch
      .map((p) => ({
        reportKey: p.key,
        isolate: p.report.source.isolate,
        windowStart: new Date(p.report.window.start),
        windowEnd: new Date(p.report.window.end),
        receivedAt: new Date(receivedAt),
        colo: p.report.source.colo,
        serving: p.report.serving ?? null,
      }))
      .sort((a, b) => (a.reportKey < b.reportKey ? -1 : a.reportKey > b.reportKey ? 1 : 0))
    const byKey = new Map(batch.map((p) => [p.key, p.report]))
    for (let attempt = 1; ; attempt++) {
      const end = this.duration.startTimer()
      try {
        const result = await transaction(this.db, async (tx) => {
          const stored = await insertReportKeys(tx, keys)
          const fold = new BucketFold()
          for (const key of stored) fold.addReport(byKey.get(key)!, receivedAt)
          const rows = fold.sorted()
          await addToBuckets(tx, rows)
          return { stored, rows: rows.length }
        })
        end()
        this.batches.inc({ outcome: 'committed' })
        this.batchSize.observe(batch.length)
        this.rows.inc({ table: 'telemetry_reports' }, result.stored.size)
        this.rows.inc({ table: 'telemetry_buckets' }, result.rows)
        return result.stored
      } catch (err) {
        end()
        this.batches.inc({ outcome: 'failed' })
        if (attempt < 3 && RETRYABLE.has(sqlState(err) ?? '')) continue
        throw err
      }
    }
  }
}
