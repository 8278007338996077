import { deleteTelemetryBefore } from '../db/telemetry.ts'
import type { Db } from '../db/types.ts'
import type { Logger } from '../log.ts'
import { Periodic } from '../publish/periodic.ts'

// Deletes telemetry buckets and report keys older than the retention, now and then (every hour
// by default), in batches of a few thousand rows, each its own short statement, so a large
// backlog never holds locks for long. Every replica runs it; the deletes are idempotent.

export interface TelemetryRetentionOptions {
  retentionDays: number
  intervalMs?: number
  /** Rows per delete statement. */
  batch?: number
  now?: () => number
}

export class TelemetryRetention {
  private readonly periodic: Periodic
  private readonly db: Db
  private readonly log: Logger
  private readonly o: Required<TelemetryRetentionOptions>

  constructor(db: Db, log: Logger, o: TelemetryRetentionOptions) {
    this.db = db
    this.log = log
    this.o = { intervalMs: 3_600_000, batch: 5000, now: Date.now, ...o }
    this.periodic = new Periodic(
      async () => {
        try {
          await this.runOnce()
          return true
        } catch (e) {
          this.log.warn({ err: (e as Error).message }, 'telemetry retention failed')
          return false
        }
      },
      { intervalMs: this.o.intervalMs, backoffBaseMs: 60_000 }
    )
  }

  /** Deletes what is past the retention; returns how many rows of each table went. */
  async runOnce(): Promise<{ buckets: number; reports: number }> {
    const before = new Date(this.o.now() - this.o.retentionDays * 86_400_000)
    const deleted = await deleteTelemetryBefore(this.db, before, this.o.batch)
    if (deleted.buckets || deleted.reports) {
      this.log.info({ before: before.toISOString(), ...deleted }, 'telemetry retention deleted')
    }
    return deleted
  }

  start(): void {
    this.periodic.start()
  }

  stop(): Promise<void> {
    return this.periodic.stop()
  }
}
