import { describe, expect, it } from 'vitest'
import { csvField } from '../io/csv-field.ts'
import { ReportBuilder, formatMinor } from './report.ts'
import type { CleanRow } from './row-validator.ts'

describe('formatMinor', () => {
  it('writes minor units as an exact decimal in major units', () => {
    expect(formatMinor(0, 2)).toBe('0.00')
    expect(formatMinor(5, 2)).toBe('0.05')
    expect(formatMinor(-123, 2)).toBe('-1.23')
    expect(formatMinor(1323439018, 2)).toBe('13234390.18')
    expect(formatMinor(-7, 0)).toBe('-7')
    expect(formatMinor(12345, 3)).toBe('12.345')
    expect(formatMinor(9_007_199_254_740_991, 4)).toBe('900719925474.0991')
  })
})

describe('ReportBuilder', () => {
  const row = (customerId: string, amountMinor: number, orderId: string | null): CleanRow => ({
    customerId,
    timestamp: 0,
    amountMinor,
    orderId,
    productId: null,
    country: null,
    quantity: null,
    unitPrice: null,
  })

  const input = {
    path: 'p',
    sizeBytes: 1,
    sha256: '',
    gzip: false,
    currency: 'GBP',
    currencyExponent: 2,
    outputDir: 'o',
    durationMs: 1,
    customers: 2,
    orders: 2,
    duplicates: { setting: 'auto', policy: 'drop', reason: 'an order id column is mapped' },
  } as const

  it('sums kept rows and reports the distinct counts it is given', () => {
    const b = new ReportBuilder()
    for (const [c, o, amount] of [
      ['a', 'x', 3],
      ['a', 'x', -1],
      ['b', 'y', 2],
    ] as const) {
      b.rowsRead++
      b.kept(row(c, amount, o))
    }
    const r = b.build(input)
    expect(r).toMatchObject({
      customers: 2,
      orders: 2,
      rows_kept: 3,
      returns: 1,
      total_amount_minor: 4,
    })
  })

  it('names the duplicates policy and how many duplicates were kept', () => {
    const b = new ReportBuilder()
    b.rowsRead += 3
    for (let i = 0; i < 3; i++) b.kept(row('a', 1, null))
    b.duplicatesKept += 2
    const duplicates = {
      setting: 'auto',
      policy: 'keep',
      reason: 'no order id column is mapped',
    } as const
    const r = b.build({ ...input, duplicates })
    expect(r.duplicates).toEqual({ ...duplicates, kept: 2 })
    expect(r.rows_kept).toBe(3)
    expect(Object.keys(r).indexOf('duplicates')).toBe(Object.keys(r).indexOf('by_reason') + 1)
  })

  it('refuses a total it cannot hold exactly', () => {
    const b = new ReportBuilder()
    b.kept(row('a', Number.MAX_SAFE_INTEGER, null))
    expect(() => b.kept(row('a', 2, null))).toThrow(/exceeds 2\^53 minor units/)
  })
})

describe('csvField', () => {
  it('quotes only what needs quoting and doubles quotes', () => {
    expect(csvField('plain')).toBe('plain')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('two\nlines')).toBe('"two\nlines"')
    expect(csvField('')).toBe('')
  })
})
