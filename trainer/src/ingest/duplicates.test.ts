// ingest.duplicates: exact duplicate lines are dropped when the log has order ids and kept (and
// counted) when it has none, unless the setting forces either; the report says which and why.

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readInterim } from '../interim/index.ts'
import type { Params } from '../params/schema.ts'
import { resolveDuplicates } from './duplicates.ts'
import { runIngest, type IngestReport } from './index.ts'
import {
  SIMPLE_COLUMNS,
  SIMPLE_HEADER,
  lines,
  quiet,
  readQuarantine,
  rows,
  tempDir,
  testParams,
  writeFixture,
} from './test-fixtures.ts'

/** A log without order ids: one line per purchase, so identical lines are separate purchases. */
const NO_ORDER_LOG = lines(
  'customer,day,amount',
  'c1,20110103,12.50', // line 2
  'c1,20110103,12.50', // 3: the same again
  'c2,20110104,3.00',
  'c1,20110103,12.50', // 5: and a third time
  'c2,20110105,3.00',
  'c3,20110106,0', // 7: zero_amount
  'c3,20110106,0', // 8: equals line 7, which was not kept: zero_amount (or duplicate, dropping)
  ',20110107,5.00', // 9: missing_customer_id
  ',20110107,5.00', // 10: missing_customer_id, looked at before duplicates
  'c4,20110108,1.00',
  '"c4",20110108,1.00' // 12: quoted, read another way, yet the same fields as line 11
)

const NO_ORDER_DATA = {
  columns: { customer_id: 'customer', timestamp: 'day', amount: 'amount' },
  timestamp_format: 'YYYYMMDD',
}

/** Six distinct orders' lines, then the third one twice more. */
const ORDER_LOG = lines(SIMPLE_HEADER, ...rows(6), ...[2, 2].map((i) => rows(6)[i] as string))

async function ingest(
  text: string,
  data: Record<string, unknown>,
  duplicates?: Params['ingest']['duplicates'],
  options: { worker?: boolean; log?: (line: string) => void } = {}
): Promise<{ report: IngestReport; out: string }> {
  const dir = await tempDir()
  const file = await writeFixture(dir, 'log.csv', text)
  const out = join(dir, 'out')
  const params = testParams(file, out, data, duplicates ? { duplicates } : {})
  const report = await runIngest(params, { ...quiet, ...options })
  return { report, out }
}

describe('resolveDuplicates', () => {
  const withOrder = { ...SIMPLE_COLUMNS, amount: null }
  const withoutOrder = { ...withOrder, order_id: null }

  it('drops on auto only when an order id column is mapped', () => {
    expect(resolveDuplicates('auto', withOrder)).toEqual({
      setting: 'auto',
      policy: 'drop',
      reason: 'an order id column is mapped',
    })
    expect(resolveDuplicates('auto', withoutOrder)).toEqual({
      setting: 'auto',
      policy: 'keep',
      reason: 'no order id column is mapped',
    })
  })

  it('does what drop and keep say, whatever the columns', () => {
    for (const columns of [withOrder, withoutOrder]) {
      expect(resolveDuplicates('drop', columns)).toMatchObject({ policy: 'drop' })
      expect(resolveDuplicates('keep', columns)).toMatchObject({ policy: 'keep' })
    }
    expect(resolveDuplicates('keep', withOrder).reason).toBe('set in ingest.duplicates')
  })
})

describe('runIngest and ingest.duplicates', () => {
  it('auto with an order id column: quarantines exact duplicates, as always', async () => {
    const { report, out } = await ingest(ORDER_LOG, {})
    expect(report).toMatchObject({ rows_read: 8, rows_kept: 6, rows_quarantined: 2 })
    expect(report.by_reason.duplicate).toBe(2)
    expect(report.duplicates).toEqual({
      setting: 'auto',
      policy: 'drop',
      reason: 'an order id column is mapped',
      kept: 0,
    })
    const q = await readQuarantine(out)
    expect(q.slice(1).map((r) => r.slice(0, 4))).toEqual([
      ['8', 'duplicate', '', 'every field equals an earlier row'],
      ['9', 'duplicate', '', 'every field equals an earlier row'],
    ])
  })

  it('auto without an order id column: keeps exact duplicates and counts them', async () => {
    const logged: string[] = []
    const { report, out } = await ingest(NO_ORDER_LOG, NO_ORDER_DATA, undefined, {
      log: (l) => logged.push(l),
    })
    expect(report).toMatchObject({
      rows_read: 11,
      rows_kept: 7, // lines 2, 3, 4, 5, 6, 11, 12
      rows_quarantined: 4,
      total_amount_minor: 3 * 1250 + 2 * 300 + 2 * 100,
      customers: 3,
      orders: 0,
    })
    expect(report.by_reason).toMatchObject({ duplicate: 0, zero_amount: 2, missing_customer_id: 2 })
    // Lines 3, 5 and 12; line 8 equals line 7 but was not kept, and lines 9 and 10 have no customer.
    expect(report.duplicates).toEqual({
      setting: 'auto',
      policy: 'keep',
      reason: 'no order id column is mapped',
      kept: 3,
    })
    const cols = await readInterim(join(out, 'transactions.arrow'))
    expect(Array.from(cols.amountMinor)).toEqual([1250, 1250, 300, 1250, 300, 100, 100])
    const onDisk = JSON.parse(await readFile(join(out, 'ingest-report.json'), 'utf8'))
    expect(onDisk.duplicates).toEqual(report.duplicates)
    expect(logged.at(-1)).toMatch(
      /: 7 kept, 4 quarantined \(missing_customer_id 2, zero_amount 2\); duplicates: keep, 3 kept \(auto: no order id column is mapped\) -> .*out$/
    )
  })

  it('auto with order_id mapped to null keeps them, though the file has an order column', async () => {
    const { report } = await ingest(ORDER_LOG, { columns: { ...SIMPLE_COLUMNS, order_id: null } })
    expect(report).toMatchObject({ rows_kept: 8, orders: 0 })
    expect(report.by_reason.duplicate).toBe(0)
    expect(report.duplicates).toMatchObject({ policy: 'keep', kept: 2 })
  })

  it('drop without an order id column: quarantines them', async () => {
    const logged: string[] = []
    const { report, out } = await ingest(NO_ORDER_LOG, NO_ORDER_DATA, 'drop', {
      log: (l) => logged.push(l),
    })
    expect(report).toMatchObject({
      rows_kept: 4, // lines 2, 4, 6, 11
      total_amount_minor: 1250 + 2 * 300 + 100,
    })
    // Lines 3, 5, 8 (the duplicate rule comes before zero_amount) and 12.
    expect(report.by_reason).toMatchObject({ duplicate: 4, zero_amount: 1, missing_customer_id: 2 })
    expect(report.duplicates).toEqual({
      setting: 'drop',
      policy: 'drop',
      reason: 'set in ingest.duplicates',
      kept: 0,
    })
    const q = await readQuarantine(out)
    expect(q.filter((r) => r[1] === 'duplicate').map((r) => r[0])).toEqual(['3', '5', '8', '12'])
    expect(logged.at(-1)).toMatch(/; duplicates: drop \(set in ingest\.duplicates\) -> /)
  })

  it('keep with an order id column: keeps them and counts them', async () => {
    const { report, out } = await ingest(ORDER_LOG, {}, 'keep')
    expect(report).toMatchObject({ rows_read: 8, rows_kept: 8, rows_quarantined: 0, orders: 6 })
    expect(report.duplicates).toEqual({
      setting: 'keep',
      policy: 'keep',
      reason: 'set in ingest.duplicates',
      kept: 2,
    })
    const cols = await readInterim(join(out, 'transactions.arrow'))
    expect(cols.length).toBe(8)
  })

  it('counts the same when the input worker reads the lines', async () => {
    const { report } = await ingest(NO_ORDER_LOG, NO_ORDER_DATA, undefined, { worker: true })
    expect(report).toMatchObject({ rows_kept: 7, duplicates: { policy: 'keep', kept: 3 } })
  })
})
