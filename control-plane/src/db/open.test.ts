import { writeFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { DataDirInUseError, lockDataDir } from './data-dir-lock.ts'
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

test('PGlite creates its data folder with its parents, and refuses a second opener while the first lives', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'fcv-pglite-'))
  dirs.push(root)
  const dataDir = path.join(root, '.fcv-control-plane', 'pglite')
  const first = await openDatabase({ dataDir })
  try {
    await expect(openDatabase({ dataDir })).rejects.toThrow(DataDirInUseError)
  } finally {
    await first.close()
  }
  // Released on close; a lock left by a process that is gone is taken over.
  await writeFile(`${dataDir}.lock`, '999999999\n')
  const again = await openDatabase({ dataDir })
  await again.close()
}, 120_000)

test('the lock names the process that holds the folder', () => {
  const dataDir = path.join(tmpdir(), `fcv-lock-${process.pid}-${Date.now()}`)
  dirs.push(dataDir, `${dataDir}.lock`)
  const release = lockDataDir(dataDir)
  try {
    // This process holds it; another (the parent, alive) would be named:
    writeFileSync(`${dataDir}.lock`, `${process.ppid}\n`)
    expect(() => lockDataDir(dataDir)).toThrow(
      `the data folder ${dataDir} is in use by process ${process.ppid} (another control plane?)`
    )
  } finally {
    release()
  }
})
