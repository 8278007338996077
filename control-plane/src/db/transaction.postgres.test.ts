// transaction() on PostgreSQL when the server drops a pooled connection (a restart, a failover):
// the pool gets its client back, so the pool keeps working and close() returns. A TCP proxy
// between the pool and the real server cuts the connections, as the server going away does.

import { sql } from 'drizzle-orm'
import { createConnection, createServer, type Socket } from 'node:net'
import { afterAll, describe, expect, inject, test } from 'vitest'
import { isDatabaseUnavailable } from '../db-unavailable.ts'
import { openDatabase } from './open.ts'
import { queryRows } from './storage-suite.ts'
import { createTestDatabase } from './test-postgres.ts'
import { transaction } from './transaction.ts'

const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

/** Forwards 127.0.0.1:<port> to `target`; cut() drops every connection through it. */
async function startProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = createConnection(target)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {})
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const cut = () => sockets.forEach((s) => s.destroy())
  return {
    port: (server.address() as { port: number }).port,
    cut,
    close: () => (cut(), new Promise<void>((resolve) => server.close(() => resolve()))),
  }
}

/** `promise`, or a failure naming `what` after `ms`: a hang fails the test instead of stalling it. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms)
  })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

describe('transaction() on PostgreSQL', () => {
  test('a transaction whose connection died gives the pool its client back: the next runs, close() returns', async () => {
    const created = await createTestDatabase(inject('fcvPostgresUrl'))
    cleanups.push(created.drop)
    const url = new URL(created.url)
    const proxy = await startProxy({ host: url.hostname, port: Number(url.port) })
    cleanups.push(proxy.close)
    url.host = `127.0.0.1:${proxy.port}`
    const poolErrors: Error[] = []
    // One connection: a client that is not given back leaves the pool none.
    const database = await openDatabase({
      url: url.toString(),
      poolSize: 1,
      onPoolError: (e) => poolErrors.push(e),
    })
    await database.db.execute(sql`select 1`) // the pool now holds one idle connection

    // The server side goes before the pool has noticed: the transaction's BEGIN meets a dead socket.
    proxy.cut()
    const failed = await within(
      5_000,
      'the transaction on a dead connection',
      transaction(database.db, (tx) => tx.execute(sql`select 1`)).then(
        () => null,
        (e: unknown) => e
      )
    )
    expect(failed, 'the transaction should fail').not.toBeNull()
    expect(isDatabaseUnavailable(failed), String(failed)).toBe(true)

    const next = await within(
      5_000,
      'the next transaction (the pool has one connection)',
      transaction(database.db, (tx) => queryRows(tx, sql`select 2 as n`))
    )
    expect(next).toEqual([{ n: 2 }])
    await within(5_000, 'close()', database.close())
  })
})
