import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Schema, tableFromIPC, tableToIPC } from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import { InterimWriter } from '../ingest/interim-writer.ts'
import type { CleanRow } from '../ingest/row-validator.ts'
import { tempDir } from '../ingest/test-fixtures.ts'
import { readInterim, readInterimMeta, readInterimTimeRange } from './read.ts'
import { INTERIM_FIELDS, INTERIM_METADATA_KEYS, interimSchema } from './schema.ts'
import { Utf8Interner } from './utf8-interner.ts'

const ROWS: CleanRow[] = [
  row('c1', 1_000, 125, 'o1', 'p1', 'United Kingdom'),
  row('c2', -5, -9_007_199_254_740_991, 'o2', null, 'Côte d’Ivoire'),
  row('c1', 2 ** 40, 9_007_199_254_740_991, 'o1', 'p2', null),
  row('Zoë', 4_000, -1, null, 'p1', 'United Kingdom'),
  row('c2', 5_000, 0, 'o3', 'p3', 'France'),
  row('c3', 6_000, 42, 'o4', 'p1', 'France'),
  row('c1', 7_000, 7, 'o5', '', 'France'),
]

function row(
  customerId: string,
  timestamp: number,
  amountMinor: number,
  orderId: string | null,
  productId: string | null,
  country: string | null
): CleanRow {
  return {
    customerId,
    timestamp,
    amountMinor,
    orderId,
    productId,
    country,
    quantity: 1,
    unitPrice: null,
  }
}

async function writeTable(
  rows: readonly CleanRow[],
  schema: Schema,
  batchRows = 3
): Promise<string> {
  const path = join(await tempDir(), 'transactions.arrow')
  const writer = await InterimWriter.create(path, schema, batchRows)
  rows.forEach((r, i) => writer.append(r, i + 2))
  await writer.finish()
  return path
}

const schema = interimSchema({ currency: 'EUR', currencyExponent: 2, source: 'log.csv' })

describe('readInterim', () => {
  it('reads every row across batches with exact amounts, dense ids and -1 for nulls', async () => {
    const path = await writeTable(ROWS, schema)
    const cols = await readInterim(path)
    expect(cols.length).toBe(7)
    expect(cols.customerIds).toEqual(['c1', 'c2', 'Zoë', 'c3'])
    expect(Array.from(cols.customer)).toEqual([0, 1, 0, 2, 1, 3, 0])
    expect(Array.from(cols.timestamp)).toEqual(ROWS.map((r) => r.timestamp))
    expect(Array.from(cols.amountMinor)).toEqual(ROWS.map((r) => r.amountMinor))
    expect(Array.from(cols.order)).toEqual([0, 1, 0, -1, 2, 3, 4])
    expect(Array.from(cols.product)).toEqual([0, -1, 1, 0, 2, 0, 3])
    expect(Array.from(cols.country)).toEqual([0, 1, -1, 0, 2, 2, 2])
    expect(cols.countries).toEqual(['United Kingdom', 'Côte d’Ivoire', 'France'])
    expect(cols.currency).toBe('EUR')
    expect(cols.currencyExponent).toBe(2)
  })

  it('keeps only the customers `keep` accepts, asking once per customer', async () => {
    const path = await writeTable(ROWS, schema)
    const asked: string[] = []
    const cols = await readInterim(path, {
      keep: (id) => {
        asked.push(id)
        return id !== 'c1'
      },
    })
    expect(asked).toEqual(['c1', 'c2', 'Zoë', 'c3'])
    expect(cols.length).toBe(4)
    expect(cols.customerIds).toEqual(['c2', 'Zoë', 'c3'])
    expect(Array.from(cols.customer)).toEqual([0, 1, 0, 2])
    expect(Array.from(cols.order)).toEqual([0, -1, 1, 2]) // dense over kept rows only
    expect(Array.from(cols.product)).toEqual([-1, 0, 1, 0])
    expect(Array.from(cols.country)).toEqual([0, 1, 2, 2])
    expect(cols.countries).toEqual(['Côte d’Ivoire', 'United Kingdom', 'France'])
    expect(Array.from(cols.amountMinor)).toEqual([-9_007_199_254_740_991, -1, 0, 42])
    expect(Array.from(cols.timestamp)).toEqual([-5, 4_000, 5_000, 6_000])
  })

  it('reads the same with a filter that keeps everyone, and nothing with one that keeps no one', async () => {
    const path = await writeTable(ROWS, schema)
    const all = await readInterim(path)
    expect(await readInterim(path, { keep: () => true })).toEqual(all)
    const none = await readInterim(path, { keep: () => false })
    expect(none.length).toBe(0)
    expect(none.customerIds).toEqual([])
    expect(none.countries).toEqual([])
  })

  it('decodes order and product ids only when asked, with or without a filter', async () => {
    const path = await writeTable(ROWS, schema)
    expect(await readInterim(path)).not.toHaveProperty('orderIds')
    const all = await readInterim(path, { ids: true })
    expect(all.orderIds).toEqual(['o1', 'o2', 'o3', 'o4', 'o5'])
    expect(all.productIds).toEqual(['p1', 'p2', 'p3', ''])
    const kept = await readInterim(path, { ids: true, keep: (id) => id !== 'c1' })
    expect(kept.orderIds).toEqual(['o2', 'o3', 'o4'])
    expect(kept.productIds).toEqual(['p1', 'p3'])
    // Each row's key names its own id in both paths.
    const idsOf = (cols: typeof all) =>
      Array.from(cols.order, (k, i) => [
        cols.customerIds[cols.customer[i] as number],
        k < 0 ? null : cols.orderIds[k],
        cols.product[i]! < 0 ? null : cols.productIds[cols.product[i]!],
      ])
    expect(idsOf(kept)).toEqual(idsOf(all).filter(([c]) => c !== 'c1'))
    expect(idsOf(all)).toEqual(ROWS.map((r) => [r.customerId, r.orderId, r.productId]))
  })

  it('reads an empty table', async () => {
    const cols = await readInterim(await writeTable([], schema))
    expect(cols.length).toBe(0)
    expect(cols.customerIds).toEqual([])
    expect(cols.timestamp.length).toBe(0)
  })

  it('grows its arrays past many batches', async () => {
    const many = Array.from({ length: 5000 }, (_, i) =>
      row(`c${i % 777}`, i * 1000, i - 2500, `o${i >> 2}`, `p${i % 13}`, i % 2 ? 'A' : 'B')
    )
    const cols = await readInterim(await writeTable(many, schema, 256))
    expect(cols.length).toBe(5000)
    expect(cols.customerIds.length).toBe(777)
    expect(cols.amountMinor[4999]).toBe(2499)
    expect(cols.customerIds[cols.customer[4999] as number]).toBe(`c${4999 % 777}`)
    expect(cols.order[4999]).toBe(1249)
  })

  it('fails clearly on a missing file, a file that is not Arrow, or another format version', async () => {
    const dir = await tempDir()
    await expect(readInterim(join(dir, 'none.arrow'))).rejects.toThrow(
      /none\.arrow: no such file; run `fcv ingest` first/
    )
    const junk = join(dir, 'junk.arrow')
    await writeFile(junk, 'not arrow at all')
    await expect(readInterim(junk)).rejects.toThrow(/junk\.arrow: not a readable interim table/)
    const old = new Schema(
      [...INTERIM_FIELDS],
      new Map([[INTERIM_METADATA_KEYS.formatVersion, '0']])
    )
    const path = await writeTable(ROWS, old)
    await expect(readInterimMeta(path)).rejects.toThrow(
      /interim format version "0", this fcv reads "2"/
    )
  })
})

describe('interim key columns', () => {
  it('are written dense, in order of first appearance, -1 for null, and counted', async () => {
    const path = join(await tempDir(), 'transactions.arrow')
    const writer = await InterimWriter.create(path, schema, 3)
    ROWS.forEach((r, i) => writer.append(r, i + 2))
    expect(writer.distinctCustomers).toBe(4)
    expect(writer.distinctOrders).toBe(5)
    await writer.finish()
    const table = tableFromIPC(await readFile(path))
    const column = (name: string) => Array.from(table.getChild(name)?.toArray() as Int32Array)
    expect(column('customer_key')).toEqual([0, 1, 0, 2, 1, 3, 0])
    expect(column('order_key')).toEqual([0, 1, 0, -1, 2, 3, 4])
    expect(column('product_key')).toEqual([0, -1, 1, 0, 2, 0, 3])
    expect(column('country_key')).toEqual([0, 1, -1, 0, 2, 2, 2])
  })

  it('are checked on reading: a key that is not the next new one fails clearly', async () => {
    const table = tableFromIPC(await readFile(await writeTable(ROWS, schema, 100)))
    const keys = table.getChild('product_key')?.data[0]?.values as Int32Array
    keys[2] = 7
    const path = join(await tempDir(), 'damaged.arrow')
    await writeFile(path, tableToIPC(table, 'file'))
    await expect(readInterim(path)).rejects.toThrow(
      /damaged\.arrow: column "product_key" holds key 7 where ingest writes dense keys/
    )
  })
})

describe('readInterimMeta', () => {
  it('gives metadata and the row count from batch headers', async () => {
    const meta = await readInterimMeta(await writeTable(ROWS, schema))
    expect(meta).toMatchObject({
      rows: 7,
      batches: 3,
      currency: 'EUR',
      currencyExponent: 2,
      source: 'log.csv',
      formatVersion: '2',
    })
    expect(meta.metadata['fcv.currency']).toBe('EUR')
  })
})

describe('Utf8Interner', () => {
  it('gives one id per distinct byte string, in order of first appearance', () => {
    const interner = new Utf8Interner()
    const encoder = new TextEncoder()
    const ids: number[] = []
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 20_000; i++) {
        const bytes = encoder.encode(`v${(i * 7919) % 20_000}é`)
        const padded = new Uint8Array(bytes.length + 4)
        padded.set(bytes, 2)
        ids.push(interner.intern(padded, 2, 2 + bytes.length))
      }
    }
    expect(interner.size).toBe(20_000)
    expect(ids.slice(40_000)).toEqual(ids.slice(0, 20_000))
    expect(interner.strings[ids[1] as number]).toBe('v7919é')
    expect(interner.intern(new Uint8Array(0), 0, 0)).toBe(20_000)
    expect(interner.strings[20_000]).toBe('')
  })
})

describe('readInterimTimeRange', () => {
  it('gives the first and last transaction times across batches, null without rows', async () => {
    const times = ROWS.map((r) => r.timestamp)
    for (const batchRows of [1, 3, 100]) {
      const path = await writeTable(ROWS, schema, batchRows)
      expect(await readInterimTimeRange(path)).toEqual({
        first: Math.min(...times),
        last: Math.max(...times),
      })
    }
    expect(await readInterimTimeRange(await writeTable([], schema))).toBeNull()
  })
})
