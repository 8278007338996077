import { describe, expect, it } from 'vitest'
import { hyp2f1, hypergeometricTail, logHyp2f1 } from './hyp2f1.ts'

const close = (actual: number, expected: number, rel = 1e-12): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected))
}

describe('hyp2f1 against closed forms', () => {
  const zs = [0, 1e-8, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999]

  it('2F1(1, 1; 2; z) = -log(1 - z) / z', () => {
    for (const z of zs.filter((z) => z > 0)) close(hyp2f1(1, 1, 2, z), -Math.log1p(-z) / z, 1e-13)
  })

  it('2F1(a, b; b; z) = (1 - z)^-a, including large a (Euler branch)', () => {
    for (const z of zs) {
      for (const a of [0.3, 2.5, 40]) {
        close(logHyp2f1(a, 1.7, 1.7, z), -a * Math.log1p(-z), 1e-12)
        if (a < 40 || z < 0.99) close(hyp2f1(a, 1.7, 1.7, z), Math.pow(1 - z, -a), 1e-12)
      }
    }
  })

  it('2F1(1/2, 1; 3/2; z^2) = atanh(z) / z', () => {
    for (const z of [0.1, 0.5, 0.9, 0.999])
      close(hyp2f1(0.5, 1, 1.5, z * z), Math.atanh(z) / z, 1e-13)
  })

  it('2F1(-n, b; c; z) is a polynomial for a negative integer a', () => {
    // 2F1(-2, b; c; z) = 1 - 2 b z / c + b (b+1) z^2 / (c (c+1))
    const [b, c, z] = [1.5, 2.5, 0.7]
    close(hyp2f1(-2, b, c, z), 1 - (2 * b * z) / c + (b * (b + 1) * z * z) / (c * (c + 1)), 1e-14)
  })

  it('handles the BG/NBD shape with large x, where the direct terms would overflow', () => {
    // 2F1(r+x, b+x; a+b+x-1; z) with x = 500 at z = 0.9: huge, but its log is finite
    const v = logHyp2f1(0.243 + 500, 2.426 + 500, 0.793 + 2.426 + 499, 0.9)
    expect(Number.isFinite(v)).toBe(true)
    expect(() => hyp2f1(0.243 + 500, 2.426 + 500, 0.793 + 2.426 + 499, 0.9)).toThrow(/overflows/)
  })

  it('rejects what it cannot sum, with a clear error instead of NaN', () => {
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(/z must be in \[0, 1\)/)
    expect(() => hyp2f1(1, 1, -2, 0.5)).toThrow(/c must not be 0 or a negative integer/)
    expect(() => hyp2f1(1, 1, 2, 1 - 1e-9)).toThrow(/did not converge/)
    expect(() => hyp2f1(Number.NaN, 1, 2, 0.5)).toThrow(/finite/)
  })

  it('stops a geometric series early when a ~ c is huge and b < 1 (a BG/NBD fit with a ~ 0)', () => {
    // 2F1(a, b; a; z) = (1 - z)^-b; these arguments once ran 5M terms and gave up
    const [a, b, z] = [129675784.22521669, -0.9999999999706312, 0.5187539413680649]
    close(hyp2f1(a, b, a, z), (1 - z) ** -b, 1e-13)
    close(hyp2f1(a, b, a + 1.8, z), (1 - z) ** -b, 1e-6)
  })

  it('sums a tail from a given first term', () => {
    const z = 0.5
    const tail = hypergeometricTail(1, 1, 2, z, z / 2)
    close(tail.sum, -Math.log1p(-z) / z - 1, 1e-14)
    expect(tail.logScale).toBe(0)
  })
})
