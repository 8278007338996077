import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readInterim, readInterimMeta } from '../interim/index.ts'
import { runIngest, type IngestReport } from './index.ts'
import { ProgressMeter } from './progress.ts'
import {
  OUTPUTS,
  SIMPLE_HEADER,
  expectFailure,
  lines,
  listDir,
  quiet,
  readQuarantine,
  rows,
  simpleRow,
  tempDir,
  testParams,
  writeFixture,
} from './test-fixtures.ts'

describe('runIngest', () => {
  it('keeps good rows, quarantines the rest with reasons, and writes all three outputs', async () => {
    const dir = await tempDir()
    const data = rows(10)
    const file = await writeFixture(
      dir,
      'log.csv',
      lines(
        SIMPLE_HEADER,
        ...data,
        simpleRow(20, { customer: '' }),
        data[3] as string,
        simpleRow(21, { qty: 'abc' }),
        simpleRow(22, { product: 'POST' }),
        simpleRow(23, { price: '0' }),
        simpleRow(24, { qty: '0' }),
        'too,few,fields'
      )
    )
    const out = join(dir, 'out')
    const params = testParams(
      file,
      out,
      { exclude_products: { codes: ['POST'] } },
      { max_invalid_fraction: 0.5 }
    )
    const report = await runIngest(params, quiet)
    expect(await listDir(out)).toEqual(OUTPUTS)
    expect(report).toMatchObject({
      rows_read: 17,
      rows_kept: 10,
      rows_quarantined: 7,
      invalid_rows: 2,
      customers: 5,
      orders: 10,
      returns: 0,
      input_compression: 'none',
      currency: 'GBP',
    })
    expect(report.by_reason).toEqual({
      wrong_field_count: 1,
      bad_timestamp: 0,
      bad_quantity: 1,
      bad_unit_price: 0,
      bad_amount: 0,
      missing_customer_id: 1,
      duplicate: 1,
      excluded_product: 1,
      non_positive_price: 1,
      zero_amount: 1,
    })
    // quantities 1,2,3,1,2,3,1,2,3,1 at 1.25
    expect(report.total_amount_minor).toBe(2375)
    expect(report.total_amount).toBe('23.75')
    expect(report.date_range).toEqual({
      first: '2011-01-01T10:00:00.000Z',
      last: '2011-01-10T10:00:00.000Z',
    })
    const onDisk = JSON.parse(
      await readFile(join(out, 'ingest-report.json'), 'utf8')
    ) as IngestReport
    expect(onDisk).toEqual(report)
    expect(report.input_sha256).toMatch(/^[0-9a-f]{64}$/)

    const q = await readQuarantine(out)
    expect(q[0]).toEqual(['line', 'reason', 'column', 'detail', 'raw'])
    expect(q.slice(1).map((r) => r.slice(0, 3))).toEqual([
      ['12', 'missing_customer_id', 'customer'],
      ['13', 'duplicate', ''],
      ['14', 'bad_quantity', 'qty'],
      ['15', 'excluded_product', 'product'],
      ['16', 'non_positive_price', 'price'],
      ['17', 'zero_amount', ''],
      ['18', 'wrong_field_count', ''],
    ])
    expect(q[3]?.[3]).toBe('"abc" is not a decimal number')
    expect(q[3]?.[4]).toBe(simpleRow(21, { qty: 'abc' }))
    expect(q[7]?.[3]).toBe('expected 7 fields, found 3')

    const cols = await readInterim(join(out, 'transactions.arrow'))
    expect(cols.length).toBe(10)
    expect(Array.from(cols.amountMinor)).toEqual([125, 250, 375, 125, 250, 375, 125, 250, 375, 125])
    expect(cols.customerIds).toEqual(['C0', 'C1', 'C2', 'C3', 'C4'])
    expect(cols.currency).toBe('GBP')
  })

  it('reads a file with another delimiter when told', async () => {
    const dir = await tempDir()
    const text = lines(
      SIMPLE_HEADER.replaceAll(',', '|'),
      ...rows(3).map((r) => r.replaceAll(',', '|'))
    )
    const file = await writeFixture(dir, 'log.psv', text)
    const report = await runIngest(testParams(file, join(dir, 'out'), { delimiter: '|' }), quiet)
    expect(report.rows_kept).toBe(3)
  })

  it('reads a BOM, CRLF line ends and quoted fields', async () => {
    const dir = await tempDir()
    const text =
      '\uFEFF' +
      [SIMPLE_HEADER, simpleRow(1, { country: '"Korea, Republic of"' }), simpleRow(2)].join(
        '\r\n'
      ) +
      '\r\n'
    const file = await writeFixture(dir, 'log.csv', text)
    const out = join(dir, 'out')
    const report = await runIngest(testParams(file, out), quiet)
    expect(report.rows_kept).toBe(2)
    const cols = await readInterim(join(out, 'transactions.arrow'))
    expect(cols.countries).toEqual(['Korea, Republic of', 'United Kingdom'])
  })

  it('replaces an earlier output when a later run succeeds', async () => {
    const dir = await tempDir()
    const out = join(dir, 'out')
    await runIngest(
      testParams(await writeFixture(dir, 'a.csv', lines(SIMPLE_HEADER, ...rows(4))), out),
      quiet
    )
    const second = await writeFixture(dir, 'b.csv', lines(SIMPLE_HEADER, ...rows(6)))
    const report = await runIngest(testParams(second, out), quiet)
    expect(report.rows_kept).toBe(6)
    expect(await listDir(out)).toEqual(OUTPUTS)
  })

  it('reads files without a header by 0-based column positions', async () => {
    const dir = await tempDir()
    const file = await writeFixture(dir, 'log.csv', lines(...rows(3)))
    const columns = {
      order_id: 0,
      product_id: 1,
      quantity: 2,
      timestamp: 3,
      unit_price: 4,
      customer_id: 5,
    }
    const out = join(dir, 'out')
    const report = await runIngest(testParams(file, out, { header: false, columns }), quiet)
    expect(report.rows_read).toBe(3)
    expect(report.rows_kept).toBe(3)

    const message = await expectFailure(lines(...rows(3)), 'log.csv', {
      header: false,
      columns: { ...columns, country: 9 },
    })
    expect(message).toMatch(
      /^data\.columns\.country: column 9 is out of range; the first row of .*log\.csv has 7 fields/
    )
  })

  it('reads whitespace-separated text with an amount column and a zero-exponent currency', async () => {
    const dir = await tempDir()
    const text = lines(
      'cust   when                  amount  ord',
      'a  2011-01-01T10:00:00Z   1500   X1',
      'b  2011-01-02T10:00:00Z   -200   R2',
      '',
      'a  2011-01-03T10:00:00Z   300    CX3',
      'b  2011-01-04T10:00:00Z   0.4    X4'
    )
    const file = await writeFixture(dir, 'log.txt', text)
    const out = join(dir, 'out')
    const params = testParams(file, out, {
      format: 'whitespace',
      columns: { customer_id: 'cust', timestamp: 'when', amount: 'amount', order_id: 'ord' },
      timestamp_format: 'iso8601',
      currency: 'JPY',
      currency_exponent: 0,
      cancellation: { order_id_prefix: 'CX' },
    })
    const report = await runIngest(params, quiet)
    expect(report).toMatchObject({
      rows_read: 4,
      rows_kept: 3,
      returns: 2,
      total_amount_minor: 1000,
      total_amount: '1000',
      currency: 'JPY',
    })
    expect(report.by_reason.zero_amount).toBe(1) // 0.4 yen rounds to 0
    const cols = await readInterim(join(out, 'transactions.arrow'))
    expect(Array.from(cols.amountMinor)).toEqual([1500, -200, -300])
    expect(cols.currencyExponent).toBe(0)
  })

  it('logs progress lines and a final summary', async () => {
    const dir = await tempDir()
    const file = await writeFixture(dir, 'log.csv', lines(SIMPLE_HEADER, ...rows(3)))
    const logged: string[] = []
    await runIngest(testParams(file, join(dir, 'out')), { log: (l) => logged.push(l) })
    expect(logged.at(-1)).toMatch(
      /^ingest: 3 rows in \d+\.\d s: 3 kept, 0 quarantined; duplicates: drop \(auto: an order id column is mapped\) -> .*out$/
    )
  })

  it('logs a progress line with rows, megabytes, share of the file and rate', () => {
    const logged: string[] = []
    const meter = new ProgressMeter((l) => logged.push(l), 10 * 1024 * 1024, true, 0)
    meter.update(123_456, 5 * 1024 * 1024)
    expect(logged[0]).toMatch(/^ingest: 123,456 rows, 5\.0 of 10\.0 MB \(50%\), [\d,]+ rows\/s$/)
    new ProgressMeter((l) => logged.push(l), 1, false, 0).update(1, 1)
    expect(logged).toHaveLength(1)
  })

  it('writes batches of 65,536 rows and reads them all back', async () => {
    const dir = await tempDir()
    const n = 70_000
    const file = await writeFixture(dir, 'big.csv.gz', lines(SIMPLE_HEADER, ...rows(n)))
    const out = join(dir, 'out')
    const report = await runIngest(testParams(file, out), quiet)
    expect(report.rows_kept).toBe(n)
    const path = join(out, 'transactions.arrow')
    expect(await readInterimMeta(path)).toMatchObject({ rows: n, batches: 2, currency: 'GBP' })
    const cols = await readInterim(path)
    expect(cols.length).toBe(n)
    expect(cols.order[n - 1]).toBe(n - 1)
  })

  it('quarantines a record spanning lines with its first line and its raw text', async () => {
    const dir = await tempDir()
    const text = lines(SIMPLE_HEADER, ...rows(2), 'O9,"multi\nline",3', ...rows(200).slice(2))
    const file = await writeFixture(dir, 'log.csv', text)
    const out = join(dir, 'out')
    const report = await runIngest(testParams(file, out), quiet)
    expect(report.by_reason.wrong_field_count).toBe(1)
    const q = await readQuarantine(out)
    expect(q[1]).toEqual([
      '4',
      'wrong_field_count',
      '',
      'expected 7 fields, found 3',
      'O9,"multi\nline",3',
    ])
    expect(report.rows_read).toBe(201)
  })

  it('accepts invalid rows up to exactly ingest.max_invalid_fraction', async () => {
    const dir = await tempDir()
    const data = rows(100, (i) => (i === 0 ? { time: 'never' } : {}))
    const file = await writeFixture(dir, 'log.csv', lines(SIMPLE_HEADER, ...data))
    const report = await runIngest(testParams(file, join(dir, 'out')), quiet)
    expect(report.invalid_rows).toBe(1)
    expect(report.rows_kept).toBe(99)
  })
})
