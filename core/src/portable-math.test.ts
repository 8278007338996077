import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { exp, expm1, log, log1p } from './portable-math.ts'

// Within an ulp or so of the engine's Math.* (which is itself only approximate); what matters is
// that the same arithmetic runs everywhere, which the workerd parity test checks.
const close = (a: number, b: number) =>
  a === b || Math.abs(a - b) <= 4 * Number.EPSILON * Math.max(Math.abs(a), Math.abs(b))

describe('portable math', () => {
  it('agrees with Math.* to a few ulps', () => {
    fc.assert(
      fc.property(fc.double({ min: -700, max: 700, noNaN: true }), (x) => {
        expect(close(exp(x), Math.exp(x))).toBe(true)
        expect(close(expm1(x), Math.expm1(x))).toBe(true)
      })
    )
    fc.assert(
      fc.property(fc.double({ min: 1e-300, max: 1e300, noNaN: true }), (x) => {
        expect(close(log(x), Math.log(x))).toBe(true)
        expect(close(log1p(x), Math.log1p(x))).toBe(true)
      })
    )
  })

  it('keeps the special values', () => {
    expect(exp(0)).toBe(1)
    expect(log(1)).toBe(0)
    expect(log(0)).toBe(-Infinity)
    expect(log1p(-1)).toBe(-Infinity)
    expect(Number.isNaN(log(-1))).toBe(true)
    expect(expm1(0)).toBe(0)
    expect(Object.is(log1p(-0), -0)).toBe(true)
  })
})
