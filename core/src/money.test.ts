import { describe, expect, it } from 'vitest'
import { lineAmountMinor, MoneyError, parseDecimal, toMinorUnits } from './money.ts'

const d = (s: string) => parseDecimal(s)!

describe('parseDecimal', () => {
  it('reads plain decimals exactly', () => {
    expect(parseDecimal('12')).toEqual({ units: 12, scale: 0 })
    expect(parseDecimal('-3.50')).toEqual({ units: -350, scale: 2 })
    expect(parseDecimal('+0.001')).toEqual({ units: 1, scale: 3 })
    expect(parseDecimal('.5')).toEqual({ units: 5, scale: 1 })
  })
  it('rejects what is not a number', () => {
    for (const s of ['', '-', '.', '1.2.3', '1e5', 'abc', '1,5', ' 1'])
      expect(parseDecimal(s)).toBeUndefined()
  })
  it('refuses more digits than it can keep exactly', () => {
    expect(() => parseDecimal('12345678901234567890')).toThrow(MoneyError)
  })
})

describe('minor units', () => {
  it('rounds a line once, half away from zero', () => {
    expect(lineAmountMinor(d('3'), d('0.335'), 2)).toBe(101)
    expect(lineAmountMinor(d('-3'), d('0.335'), 2)).toBe(-101)
    expect(lineAmountMinor(d('12'), d('6.95'), 2)).toBe(8340)
    expect(toMinorUnits(d('1999'), 0)).toBe(1999)
    expect(toMinorUnits(d('0.5'), 0)).toBe(1)
  })
  it('nets a fully returned order to exactly zero where floats do not', () => {
    const lines = [
      ['3', '0.1'],
      ['7', '0.2'],
      ['1', '0.3'],
    ] as const
    const bought = lines.map(([q, p]) => lineAmountMinor(d(q), d(p), 2))
    const returned = lines.map(([q, p]) => lineAmountMinor(d(`-${q}`), d(p), 2))
    expect([...bought, ...returned].reduce((a, b) => a + b, 0)).toBe(0)
    // The same lines summed as binary floats in log order leave a phantom remainder.
    const floatSum = 0.1 * 3 + 0.2 * 7 + 0.3 - 0.1 * 3 - 0.2 * 7 - 0.3
    expect(floatSum).not.toBe(0)
  })
})
