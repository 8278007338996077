// Helpers for the ingest and interim tests: temp dirs, fixture files and params built from a small
// mapping, so no test depends on data outside the repository.

import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { expect, onTestFinished } from 'vitest'
import { loadParams } from '../params/load.ts'
import { DataParamsSchema, type Params } from '../params/schema.ts'
import { CsvTokenizer } from './csv-tokenizer.ts'
import { IngestError, runIngest } from './index.ts'

/** A fresh directory, removed when the calling test finishes. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fcv-ingest-test-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** Writes a fixture (text is gzipped when the name ends in .gz, bytes as given); returns its path. */
export async function writeFixture(
  dir: string,
  name: string,
  text: string | Buffer
): Promise<string> {
  const path = join(dir, name)
  if (typeof text !== 'string') await writeFile(path, text)
  else await writeFile(path, name.endsWith('.gz') ? gzipSync(text) : text)
  return path
}

/** Every entry of a directory, hidden ones included; [] when it does not exist. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort()
  } catch {
    return []
  }
}

/** The header of SIMPLE_COLUMNS files. */
export const SIMPLE_HEADER = 'order,product,qty,time,price,customer,country'

export const SIMPLE_COLUMNS = {
  customer_id: 'customer',
  timestamp: 'time',
  quantity: 'qty',
  unit_price: 'price',
  order_id: 'order',
  product_id: 'product',
  country: 'country',
}

/** A data row in SIMPLE_HEADER order. */
export function simpleRow(
  i: number,
  over: Partial<
    Record<'order' | 'product' | 'qty' | 'time' | 'price' | 'customer' | 'country', string>
  > = {}
): string {
  const day = String(1 + (i % 28)).padStart(2, '0')
  const r = {
    order: `O${i}`,
    product: `P${i % 7}`,
    qty: String(1 + (i % 3)),
    time: `2011-01-${day} 10:00:00`,
    price: '1.25',
    customer: `C${i % 5}`,
    country: 'United Kingdom',
    ...over,
  }
  return [r.order, r.product, r.qty, r.time, r.price, r.customer, r.country].join(',')
}

const repoParams = fileURLToPath(new URL('../../../params.yaml', import.meta.url))

/**
 * Params for a test: the repository's params.yaml for everything but `data` and `ingest`, which come
 * from the arguments (data defaults to the SIMPLE_COLUMNS mapping in UTC, GBP).
 */
export function testParams(
  path: string,
  outDir: string,
  data: Record<string, unknown> = {},
  ingest: Partial<Params['ingest']> = {}
): Params {
  const base = loadParams(repoParams)
  return {
    ...base,
    data: DataParamsSchema.parse({
      path,
      columns: SIMPLE_COLUMNS,
      timestamp_format: 'YYYY-MM-DD HH:MM:SS',
      timezone: 'UTC',
      currency: 'GBP',
      ...data,
    }),
    ingest: { ...base.ingest, out_dir: outDir, max_invalid_fraction: 0.01, ...ingest },
  }
}

export const quiet = { log: () => {}, progress: false }

export const OUTPUTS = ['ingest-report.json', 'quarantine.csv', 'transactions.arrow']

/** Lines of a file, each ended by a line feed. */
export function lines(...rows: string[]): string {
  return rows.join('\n') + '\n'
}

/** n SIMPLE_HEADER rows, with per-row overrides. */
export function rows(
  n: number,
  over: (i: number) => Parameters<typeof simpleRow>[1] = () => ({})
): string[] {
  return Array.from({ length: n }, (_, i) => simpleRow(i, over(i)))
}

export async function readQuarantine(dir: string): Promise<string[][]> {
  const records: string[][] = []
  const t = new CsvTokenizer((fields) => records.push(fields))
  t.push(await readFile(join(dir, 'quarantine.csv'), 'utf8'))
  t.end()
  return records
}

/** Runs ingest expecting failure; returns the message after checking nothing was left behind. */
export async function expectFailure(
  text: string | Buffer,
  name = 'log.csv',
  data = {}
): Promise<string> {
  const dir = await tempDir()
  const file = await writeFixture(dir, name, text)
  const out = join(dir, 'out')
  const error = await runIngest(testParams(file, out, data), quiet).then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(IngestError)
  expect(await listDir(out)).toEqual([])
  expect(await listDir(dir)).toEqual([name]) // the output dir this run created is gone too
  return (error as Error).message
}
