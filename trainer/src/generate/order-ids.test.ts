import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readInterim } from '../interim/index.ts'
import { runIngest } from '../ingest/index.ts'
import { loadParams } from '../params/load.ts'
import { LOG_HEADER_WITHOUT_ORDER_ID, runGenerate, type GenerateSummary } from './index.ts'
import { readWrittenLog, type WrittenLog } from './test-log.ts'

const dir = mkdtempSync(join(tmpdir(), 'fcv-no-order-ids-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const repoParams = fileURLToPath(new URL('../../../params.yaml', import.meta.url))
const quiet = { log: () => {}, progress: false }
const options = { customers: 500, years: 1, seed: 42, malformedShare: 0.001 }

describe('a log without order ids (orderIds: false, --no-order-ids)', () => {
  let summary: GenerateSummary
  let log: WrittenLog
  let out: string

  beforeAll(async () => {
    out = join(dir, 'log.csv')
    summary = await runGenerate({ ...options, out, orderIds: false })
    log = readWrittenLog(out)
  })

  it('is the log with order ids, less its Invoice column', async () => {
    expect(summary.orderIds).toBe(false)
    expect(log.header).toBe(LOG_HEADER_WITHOUT_ORDER_ID)
    expect(log.header.split(',')).not.toContain('Invoice')
    const withIdsOut = join(dir, 'with-ids.csv')
    const withIdsSummary = await runGenerate({ ...options, out: withIdsOut })
    const withIds = readWrittenLog(withIdsOut)
    expect(withIds.header.split(',')[0]).toBe('Invoice')
    // Same draws, same rows (malformed ones and duplicates included): only the first field goes.
    expect(withIds.lines.map((l) => l.slice(l.indexOf(',') + 1))).toEqual(log.lines)
    expect(withIdsSummary.rows).toEqual(summary.rows)
  })

  it('keeps returns as negative quantities, exact duplicates and malformed rows', () => {
    const [quantity, customer] = [log.column('Quantity'), log.column('Customer ID')]
    const good = log.rows.filter(log.isWellFormed)
    const returns = good.filter((f) => Number(f[quantity]) < 0 && f[customer] !== '')
    expect(returns.length).toBe(summary.rows.returns)
    expect(returns.length).toBeGreaterThan(0)
    const adjacentDuplicates = log.lines.filter((l, i) => i > 0 && l === log.lines[i - 1]).length
    expect(summary.rows.duplicates).toBeGreaterThan(0)
    expect(adjacentDuplicates).toBeGreaterThanOrEqual(summary.rows.duplicates)
    expect(log.rows.length - good.length).toBe(summary.rows.malformed)
    expect(summary.rows.malformed).toBeGreaterThan(0)
  })

  it('is refused by the default mapping, which names the missing column', async () => {
    const params = loadParams(repoParams, [`data.path=${out}`, `ingest.out_dir=${dir}/refused`])
    await expect(runIngest(params, quiet)).rejects.toThrow(
      /data\.columns\.order_id: column "Invoice" is not in the header/
    )
  })

  it('is ingested with data.columns.order_id: null, returns as negative amounts', async () => {
    const interim = join(dir, 'interim')
    const params = loadParams(repoParams, [
      `data.path=${out}`,
      'data.columns.order_id=null',
      `ingest.out_dir=${interim}`,
    ])
    const report = await runIngest(params, quiet)
    expect(report.rows_read).toBe(summary.rows.total)
    expect(report.invalid_rows).toBe(summary.rows.malformed)
    expect(report.customers).toBe(options.customers)
    expect(report.orders).toBe(0)
    // At least every distinct written return of a priced line (equal lines are the duplicate
    // rule's to keep or drop), at most every return written.
    const [price, quantity, customer] = ['Price', 'Quantity', 'Customer ID'].map(log.column) as [
      number,
      number,
      number,
    ]
    const pricedReturns = new Set(
      log.lines.filter((_, i) => {
        const f = log.rows[i] as string[]
        return (
          log.isWellFormed(f) &&
          Number(f[quantity]) < 0 &&
          Number(f[price]) > 0 &&
          f[customer] !== ''
        )
      })
    )
    expect(report.returns).toBeGreaterThanOrEqual(pricedReturns.size)
    expect(report.returns).toBeLessThanOrEqual(summary.rows.returns)
    const cols = await readInterim(join(interim, 'transactions.arrow'))
    expect(cols.order.every((o) => o === -1)).toBe(true)
    const negative = cols.amountMinor.filter((a) => a < 0)
    expect(negative.length).toBe(report.returns)
    expect(negative.length).toBeGreaterThan(0)
  })
})
