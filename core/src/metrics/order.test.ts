import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { comparatorOrder, radixOrder, sortDescending } from './order.ts'

describe('orderDescending', () => {
  it('sorts descending and keeps ties in index order', () => {
    expect([...radixOrder([2, -1, 5, 2, 0, -0, -3.5, 5])]).toEqual([2, 7, 0, 3, 4, 5, 1, 6])
    expect([...comparatorOrder([2, -1, 5, 2, 0, -0, -3.5, 5])]).toEqual([2, 7, 0, 3, 4, 5, 1, 6])
  })
  it('gives the same permutation from the radix and the comparator sort', () => {
    const value = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer({ min: -3, max: 3 }),
      fc.constantFrom(0, -0, 1e-300, -1e-300, 5e-324, Number.MAX_VALUE, -Number.MAX_VALUE)
    )
    fc.assert(
      fc.property(fc.array(value, { maxLength: 300 }), (values) => {
        expect([...radixOrder(values)]).toEqual([...comparatorOrder(values)])
      })
    )
  })
  it('handles large inputs (the radix path)', () => {
    const n = 5000
    const values = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 7 - 20)
    const s = sortDescending(values)
    for (let k = 1; k < n; k++) expect(s.keys[k]! <= s.keys[k - 1]!).toBe(true)
    expect([...s.order]).toEqual([...comparatorOrder(values)])
    expect(s.groups.length - 1).toBe(1000) // 1000 distinct values
  })
})
