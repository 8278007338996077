import { readFileSync } from 'node:fs'
import path from 'node:path'
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api'
import { expect, test } from 'vitest'
import { DEFAULT_MIGRATIONS_FOLDER } from './open.ts'
import * as schema from './schema.ts'

const read = (file: string) =>
  JSON.parse(readFileSync(path.join(DEFAULT_MIGRATIONS_FOLDER, file), 'utf8')) as unknown

test('the committed migrations are up to date with schema.ts (else: npx drizzle-kit generate)', async () => {
  const journal = read('meta/_journal.json') as { entries: { idx: number; tag: string }[] }
  const last = journal.entries.at(-1)!
  const snapshot = read(`meta/${String(last.idx).padStart(4, '0')}_snapshot.json`)
  const current = generateDrizzleJson(schema)
  const pending = await generateMigration(snapshot as typeof current, current)
  expect(pending).toEqual([])
})
