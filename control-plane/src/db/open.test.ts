import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { getModel, upsertModel } from './models.ts'
import { openDatabase } from './open.ts'

const dirs: string[] = []
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))))

test('PGlite in a data directory keeps its data across a reopen', async () => {
  const dataDir = path.join(await mkdtemp(path.join(tmpdir(), 'fcv-pglite-')), 'db')
  dirs.push(path.dirname(dataDir))
  const first = await openDatabase({ dataDir })
  expect(first.kind).toBe('pglite')
  await first.migrate()
  await upsertModel(first.db, { name: 'clv', description: 'kept' })
  await first.close()

  const again = await openDatabase({ dataDir })
  try {
    await again.migrate()
    await again.ping()
    expect((await getModel(again.db, 'clv'))?.description).toBe('kept')
  } finally {
    await again.close()
  }
}, 120_000)
