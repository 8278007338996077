// Bad input: each case fails with a message that names the file and line and column (or the params
// key at fault), and leaves no output behind; row-level problems below the threshold are quarantined.

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { runIngest } from './index.ts'
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

describe('runIngest on bad input', () => {
  it('fails when most rows have bad dates, naming file, line and column, and writes nothing', async () => {
    const message = await expectFailure(
      lines(
        SIMPLE_HEADER,
        ...rows(20, (i) => (i % 4 ? { time: `2011-02-30 10:0${i % 10}:00` } : {}))
      )
    )
    expect(message).toMatch(
      /log\.csv: 15 of 20 data rows \(75\.0%\) cannot be read \(bad_timestamp 15\)/
    )
    expect(message).toContain('ingest.max_invalid_fraction = 0.01')
    expect(message).toMatch(
      /log\.csv:3: column "time": bad_timestamp: "2011-02-30 10:01:00" is not a valid/
    )
    expect(message).toContain('Check data.timestamp_format')
  })

  it('fails on non-numeric quantities and prices over the threshold', async () => {
    const message = await expectFailure(
      lines(
        SIMPLE_HEADER,
        ...rows(10, (i) => (i < 3 ? { price: '£1.00' } : i < 5 ? { qty: 'x' } : {}))
      )
    )
    expect(message).toContain('5 of 10 data rows')
    expect(message).toContain('bad_unit_price 3, bad_quantity 2')
    expect(message).toContain(
      'log.csv:2: column "price": bad_unit_price: "£1.00" is not a decimal number'
    )
    expect(message).toContain('log.csv:5: column "qty": bad_quantity: "x" is not a decimal number')
  })

  it('quarantines one bad date in 200 rows with its line and column, and keeps the rest', async () => {
    const dir = await tempDir()
    const data = rows(200, (i) => (i === 57 ? { time: '2011-13-01 10:00:00' } : {}))
    const file = await writeFixture(dir, 'log.csv', lines(SIMPLE_HEADER, ...data))
    const out = join(dir, 'out')
    const report = await runIngest(testParams(file, out), quiet)
    expect(report.rows_kept).toBe(199)
    expect(report.invalid_rows).toBe(1)
    expect(report.by_reason.bad_timestamp).toBe(1)
    const q = await readQuarantine(out)
    expect(q[1]?.slice(0, 3)).toEqual(['59', 'bad_timestamp', 'time'])
  })

  it('fails on unbalanced quotes, naming the line and column where the quote opened', async () => {
    const data = rows(5)
    data[2] = simpleRow(2, { product: '"P2 open' })
    const message = await expectFailure(lines(SIMPLE_HEADER, ...data))
    expect(message).toMatch(
      /log\.csv:4:4: unbalanced quotes: the quoted field that opens at line 4, column 4 never closes$/
    )
  })

  it('fails on an empty file and on a header without data rows', async () => {
    expect(await expectFailure('')).toMatch(/log\.csv is empty$/)
    expect(await expectFailure('\n\r\n\n')).toMatch(/log\.csv is empty$/)
    expect(await expectFailure(SIMPLE_HEADER + '\r\n')).toMatch(
      /log\.csv has a header but no data rows$/
    )
  })

  it('fails when a mapped column is not in the header, naming the key and listing the header', async () => {
    const message = await expectFailure(
      lines('order,product,qty,when,price,customer,country', simpleRow(1))
    )
    expect(message).toMatch(
      /^data\.columns\.timestamp: column "time" is not in the header of .*log\.csv; the header has: "order", "product", "qty", "when", "price", "customer", "country"$/
    )
  })

  it('fails when the mapping names a column that does not exist', async () => {
    const message = await expectFailure(lines(SIMPLE_HEADER, simpleRow(1)), 'log.csv', {
      columns: { customer_id: 'Customer ID', timestamp: 'time', amount: 'price' },
    })
    expect(message).toMatch(
      /^data\.columns\.customer_id: column "Customer ID" is not in the header/
    )
  })

  it('suggests data.delimiter when the header is one field holding another delimiter', async () => {
    const text = lines(SIMPLE_HEADER.replaceAll(',', ';'), simpleRow(1).replaceAll(',', ';'))
    const message = await expectFailure(text)
    expect(message).toContain('data.columns.customer_id: column "customer" is not in the header')
    expect(message).toContain('the header is a single field containing ";": is the delimiter ";"?')
    expect(message).toContain('set data.delimiter')
  })

  it('detects gzip by its magic bytes and fails clearly on a truncated gzip', async () => {
    const dir = await tempDir()
    const text = lines(SIMPLE_HEADER, ...rows(500))
    const file = await writeFixture(dir, 'log.bin', gzipSync(text))
    const report = await runIngest(testParams(file, join(dir, 'out')), quiet)
    expect(report).toMatchObject({ rows_kept: 500, input_compression: 'gzip' })

    const whole = gzipSync(text)
    const message = await expectFailure(whole.subarray(0, whole.length - 40), 'cut.csv.gz')
    expect(message).toMatch(/cut\.csv\.gz: unexpected end of gzip stream/)
  })

  it('fails clearly when gzip is forced on a file that is not gzip', async () => {
    const message = await expectFailure(lines(SIMPLE_HEADER, simpleRow(1)), 'log.csv', {
      compression: 'gzip',
    })
    expect(message).toMatch(/log\.csv: corrupt gzip stream: incorrect header check/)
  })

  it('fails naming the path when the input does not exist', async () => {
    const dir = await tempDir()
    const params = testParams(join(dir, 'missing.csv'), join(dir, 'out'))
    await expect(runIngest(params, quiet)).rejects.toThrow(
      /missing\.csv: no such file \(data\.path\)/
    )
    expect(await listDir(dir)).toEqual([])
  })

  it('leaves an earlier complete output untouched when a later run fails', async () => {
    const dir = await tempDir()
    const out = join(dir, 'out')
    const good = await writeFixture(dir, 'good.csv', lines(SIMPLE_HEADER, ...rows(4)))
    await runIngest(testParams(good, out), quiet)
    const before = await Promise.all(OUTPUTS.map((f) => readFile(join(out, f))))
    const bad = await writeFixture(
      dir,
      'bad.csv',
      lines(SIMPLE_HEADER, ...rows(4, () => ({ time: 'x' })))
    )
    await expect(runIngest(testParams(bad, out), quiet)).rejects.toThrow(
      /bad\.csv: 4 of 4 data rows/
    )
    expect(await listDir(out)).toEqual(OUTPUTS)
    const after = await Promise.all(OUTPUTS.map((f) => readFile(join(out, f))))
    expect(after).toEqual(before)
  })

  it('names columns by position in errors for files without a header', async () => {
    const columns = {
      order_id: 0,
      product_id: 1,
      quantity: 2,
      timestamp: 3,
      unit_price: 4,
      customer_id: 5,
    }
    const message = await expectFailure(lines(...rows(3, () => ({ time: 'nope' }))), 'log.csv', {
      header: false,
      columns,
    })
    expect(message).toMatch(/log\.csv:1: column 3: bad_timestamp: "nope"/)
  })
})
