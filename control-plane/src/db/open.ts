// Opens the control plane's database: PostgreSQL through a node-postgres pool when a URL is given,
// else PGlite in process (in memory, or in a data directory). Both get the same schema and the
// same migrations (control-plane/drizzle/), and the same drizzle type (Db).

import path from 'node:path'
import type { PoolClient } from 'pg'
import { sql } from 'drizzle-orm'
import { lockDataDir } from './data-dir-lock.ts'
import * as schema from './schema.ts'
import { runTransactionsWith } from './transaction.ts'
import type { Db } from './types.ts'

export interface OpenOptions {
  /** postgres://... : PostgreSQL. Wins over dataDir. */
  url?: string
  /** PGlite data directory, created if missing and locked to this process; omitted (or ":memory:") = in memory. */
  dataDir?: string
  /** The migrations folder; defaults to control-plane/drizzle (found from this module). */
  migrationsFolder?: string
  /** PostgreSQL: maximum pool connections (node-postgres default 10). */
  poolSize?: number
  /** PostgreSQL: an idle pooled connection failed (server restart...); the pool drops it. */
  onPoolError?: (err: Error) => void
}

export interface Database {
  db: Db
  kind: 'postgres' | 'pglite'
  /** Applies pending migrations; idempotent, and serialized across processes on PostgreSQL. */
  migrate(): Promise<void>
  /** Readiness: SELECT 1. */
  ping(): Promise<void>
  close(): Promise<void>
}

export const DEFAULT_MIGRATIONS_FOLDER = path.resolve(import.meta.dirname, '../../drizzle')

/** pg_advisory_lock key held while migrating ("fcvmig" in ASCII). */
export const MIGRATION_LOCK_KEY = 0x6663766d6967

export async function openDatabase(opts: OpenOptions = {}): Promise<Database> {
  const migrationsFolder = opts.migrationsFolder ?? DEFAULT_MIGRATIONS_FOLDER
  return opts.url
    ? openPostgres(opts.url, migrationsFolder, opts)
    : openPglite(opts.dataDir === ':memory:' ? undefined : opts.dataDir, migrationsFolder)
}

async function openPostgres(
  url: string,
  migrationsFolder: string,
  opts: OpenOptions
): Promise<Database> {
  const { default: pg } = await import('pg')
  const { drizzle } = await import('drizzle-orm/node-postgres')
  const { migrate } = await import('drizzle-orm/node-postgres/migrator')
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize })
  // Without a listener an idle connection's error would crash the process; so would that of a
  // checked-out connection the server drops between two statements of a transaction (the pool
  // listens to idle ones only): the statement that follows fails on its own.
  pool.on('error', (err) => opts.onPoolError?.(err))
  pool.on('connect', (client) => client.on('error', (err) => opts.onPoolError?.(err)))
  const db = drizzle(pool, { schema })
  // drizzle 0.45 takes a pool client for db.transaction() and sends BEGIN before the try whose
  // finally releases it (drizzle-orm#6023, open): a BEGIN on a connection the server dropped (a
  // restart, a failover) kept the client checked out for good, so pool.end() never returned and
  // the pool shrank by one each time. So the client is taken and given back here, on every path,
  // and one whose transaction failed is closed rather than reused: it may be dead, or still in a
  // statement whose rollback failed. drizzle runs the transaction on that one client.
  const onClient = new WeakMap<PoolClient, Db>()
  runTransactionsWith(db, async (fn) => {
    const client = await pool.connect()
    let failure: Error | undefined
    try {
      let clientDb = onClient.get(client)
      if (!clientDb) onClient.set(client, (clientDb = drizzle(client, { schema })))
      return await clientDb.transaction(fn)
    } catch (err) {
      failure = err as Error
      throw err
    } finally {
      client.release(failure)
    }
  })
  return {
    db,
    kind: 'postgres',
    async migrate() {
      // One session holds the lock and runs the migrator, so two replicas starting together
      // migrate one after the other; the second finds nothing left to do.
      const client = await pool.connect()
      let failure: Error | undefined
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
        try {
          await migrate(drizzle(client, { schema }), { migrationsFolder })
        } finally {
          await client
            .query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
            .catch((err: Error) => (failure ??= err))
        }
      } catch (err) {
        failure = err as Error
        throw err
      } finally {
        // A failed connection is discarded, not pooled: closing it releases any lock it holds.
        client.release(failure)
      }
    },
    async ping() {
      await db.execute(sql`select 1`)
    },
    close: () => pool.end(),
  }
}

async function openPglite(
  dataDir: string | undefined,
  migrationsFolder: string
): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite')
  const { drizzle } = await import('drizzle-orm/pglite')
  const { migrate } = await import('drizzle-orm/pglite/migrator')
  // The folder is created (with its parents) and locked: a second process must not open it.
  const release = dataDir === undefined ? () => {} : lockDataDir(dataDir)
  let client
  try {
    client = await PGlite.create(dataDir === undefined ? {} : { dataDir })
  } catch (e) {
    release()
    throw e
  }
  const db = drizzle(client, { schema })
  // One process owns a PGlite database: no lock to take, only this process's calls to queue.
  let migrating = Promise.resolve()
  return {
    db,
    kind: 'pglite',
    migrate() {
      const run = migrating.catch(() => {}).then(() => migrate(db, { migrationsFolder }))
      migrating = run
      return run
    },
    async ping() {
      await db.execute(sql`select 1`)
    },
    async close() {
      try {
        await client.close()
      } finally {
        release()
      }
    },
  }
}
