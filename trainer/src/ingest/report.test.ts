import { describe, expect, it } from 'vitest'
import { csvField } from './quarantine-writer.ts'
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

  it('counts distinct customers and orders, ignoring null orders', () => {
    const b = new ReportBuilder()
    for (const [c, o] of [
      ['a', 'x'],
      ['a', 'x'],
      ['b', 'y'],
      ['a', 'z'],
      ['c', null],
    ] as const) {
      b.rowsRead++
      b.kept(row(c, 1, o))
    }
    const r = b.build({
      path: 'p',
      sizeBytes: 1,
      sha256: '',
      gzip: false,
      currency: 'GBP',
      currencyExponent: 2,
      outputDir: 'o',
      durationMs: 1,
    })
    expect(r).toMatchObject({ customers: 3, orders: 3, rows_kept: 5, total_amount_minor: 5 })
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
