import { sql } from 'drizzle-orm'
import { afterAll, describe, expect, inject, test } from 'vitest'
import { MIGRATION_LOCK_KEY, openDatabase } from './open.ts'
import { queryRows, storageSuite } from './storage-suite.ts'
import { createTestDatabase } from './test-postgres.ts'

// The server comes from test-global-setup.ts; each test file works in a database of its own.
const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

async function freshDatabaseUrl(): Promise<string> {
  const created = await createTestDatabase(inject('fcvPostgresUrl'))
  cleanups.push(created.drop)
  return created.url
}

storageSuite('PostgreSQL', async () => openDatabase({ url: await freshDatabaseUrl() }))

describe('PostgreSQL migrations', () => {
  test('two processes migrating at once serialise on the advisory lock', async () => {
    const url = await freshDatabaseUrl()
    const replicas = await Promise.all([openDatabase({ url }), openDatabase({ url })])
    cleanups.push(async () => {
      await Promise.all(replicas.map((r) => r.close()))
    })
    await Promise.all(replicas.map((r) => r.migrate()))
    await Promise.all(replicas.map((r) => r.migrate()))
    const [a] = replicas
    const applied = await queryRows(
      a!.db,
      sql`select count(*)::int as n from drizzle.__drizzle_migrations`
    )
    expect(applied).toEqual([{ n: 2 }])
    // The lock is released: another session takes it at once.
    const locked = await queryRows(
      a!.db,
      sql`select pg_try_advisory_lock(${MIGRATION_LOCK_KEY}) as ok, pg_advisory_unlock_all()`
    )
    expect(locked[0]).toMatchObject({ ok: true })
    expect(a!.kind).toBe('postgres')
  })
})
