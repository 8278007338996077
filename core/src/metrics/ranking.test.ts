import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { gainsCurve, normalizedGini, spearman, topCapture, topCount } from './ranking.ts'

/** y >= 0 and ŷ with plenty of ties, of equal length. */
function labelsAndPredictions(min: number, max: number) {
  return fc.integer({ min, max }).chain((n) =>
    fc.tuple(
      fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1000 })), {
        minLength: n,
        maxLength: n,
      }),
      fc.array(
        fc.oneof(fc.integer({ min: 0, max: 5 }), fc.double({ min: 0, max: 100, noNaN: true })),
        {
          minLength: n,
          maxLength: n,
        }
      )
    )
  )
}

describe('normalizedGini', () => {
  it('computes a small case by hand', () => {
    // ŷ orders the rows 0, 2, 1, so y is taken as 0, 3, 1 of Σy = 4: C = [0, 3/4, 1] (C_0 = 0).
    // Σ midpoints = 0 + 3/8 + 7/8 = 5/4, G(ŷ) = (2/3)(5/4) − 1 = −1/6.
    // By y itself: 3, 1, 0, C = [3/4, 1, 1], Σ midpoints = 3/8 + 7/8 + 1 = 9/4, G(y) = 1/2.
    expect(normalizedGini([0, 1, 3], [0.3, 0.1, 0.2])).toBeCloseTo(-1 / 3, 15)
    // Google's Σ C_k gives G = 1/6 and 5/6, so 1/5: the same after subtracting 1/n from both,
    // (1/6 − 1/3) / (5/6 − 1/3) = −1/3.
  })
  it('replaces y in a tie group by its mean', () => {
    // ŷ = [1, 1, 0, 5]: groups {row 3: y 6}, {rows 0, 1: y 0, 4 → 2, 2}, {row 2: y 2}; Σy = 12.
    // Sequence 6, 2, 2, 2: C = [6, 8, 10, 12]/12, midpoints 3, 7, 9, 11 (/12): Σ = 30/12, G = 1/4.
    // The two tie-breaks 6,0,4,2 (Σ 28/12) and 6,4,0,2 (Σ 32/12) average to the same 30/12.
    // By y: 6, 4, 2, 0, C = [6, 10, 12, 12]/12, midpoints 3, 8, 11, 12: Σ = 34/12, G = 5/12.
    expect(normalizedGini([0, 4, 2, 6], [1, 1, 0, 5])).toBeCloseTo(0.6, 15)
  })
  it('is exactly 0 for a constant prediction, 1 for a perfect one, −1 reversed', () => {
    const y = [0, 0, 3, 10, 1, 7, 0, 2, 2, 50]
    expect(
      normalizedGini(
        y,
        y.map(() => 4)
      )
    ).toBe(0)
    expect(normalizedGini(y, y)).toBe(1)
    expect(
      normalizedGini(
        y,
        y.map((v) => 100 - v)
      )
    ).toBeCloseTo(-1, 14)
  })
  it('is NaN when there is nothing to rank', () => {
    expect(normalizedGini([0, 0, 0], [1, 2, 3])).toBeNaN()
    expect(normalizedGini([5, 5, 5], [1, 2, 3])).toBeNaN()
  })
  it('equals 2 × (area under the gains curve) − 1, normalized, with a point per customer', () => {
    fc.assert(
      fc.property(labelsAndPredictions(1, 40), ([y, yhat]) => {
        const gains = gainsCurve(y, yhat, y.length + 1)
        const area = (key: 'gain' | 'lorenz') =>
          gains.reduce((s, p, i) => (i === 0 ? 0 : s + (p[key] + gains[i - 1]![key]) / 2), 0) /
          y.length
        const expected = (2 * area('gain') - 1) / (2 * area('lorenz') - 1)
        const g = normalizedGini(y, yhat)
        if (Number.isNaN(g)) return
        expect(g).toBeCloseTo(expected, 9)
      })
    )
  })
})

describe('topCapture', () => {
  it('counts a straddling tie group pro rata', () => {
    // Σy = 20, k = 2: row 4 (ŷ 9, y 8), then 1/3 of the group ŷ = 3 (y 4, 2, 6: mean 4).
    const y = [0, 4, 2, 6, 8, 0, 0, 0, 0, 0]
    const yhat = [1, 3, 3, 3, 9, 0, 0, 0, 0, 0]
    const top = topCapture(y, yhat, 0.2)
    expect(top.k).toBe(2)
    expect(top.capture).toBe(0.6) // (8 + 4) / 20
    expect(top.lift).toBeCloseTo(3, 14) // 0.6 / 0.2
  })
  it('gives a constant prediction exactly the fraction', () => {
    const y = [5, 0, 0, 1, 0, 9, 2, 0, 0, 3]
    expect(
      topCapture(
        y,
        y.map(() => 1)
      ).capture
    ).toBeCloseTo(0.1, 15)
    expect(
      topCapture(
        y,
        y.map(() => 1)
      ).lift
    ).toBeCloseTo(1, 14)
    expect(
      topCapture(
        y,
        y.map(() => 1),
        0.3
      ).capture
    ).toBeCloseTo(0.3, 15)
  })
  it('takes ⌈fraction · n⌉ without float noise', () => {
    expect(topCount(0.3, 10)).toBe(3) // 0.3 · 10 = 3.0000000000000004
    expect(topCount(0.1, 30)).toBe(3)
    expect(topCount(0.1, 25)).toBe(3)
    expect(topCount(0.1, 5)).toBe(1)
    expect(topCount(1, 7)).toBe(7)
  })
  it('rejects a fraction outside (0, 1]', () => {
    expect(() => topCapture([1], [1], 0)).toThrow(RangeError)
    expect(() => topCapture([1], [1], 1.5)).toThrow(RangeError)
  })
})

describe('gainsCurve', () => {
  it('computes the curve and the Lorenz curve by hand', () => {
    // Order 0, 3, 1 of Σy = 4 (see the Gini case); Lorenz order 3, 1, 0.
    expect(gainsCurve([0, 1, 3], [0.3, 0.1, 0.2], 4)).toEqual([
      { customer_share: 0, gain: 0, lorenz: 0 },
      { customer_share: 1 / 3, gain: 0, lorenz: 0.75 },
      { customer_share: 2 / 3, gain: 0.75, lorenz: 1 },
      { customer_share: 1, gain: 1, lorenz: 1 },
    ])
    // Half-way (1.5 customers) takes half of the second: 1.5 / 4.
    expect(gainsCurve([0, 1, 3], [0.3, 0.1, 0.2], 3)[1]?.gain).toBe(0.375)
  })
  it('is the diagonal for a constant prediction', () => {
    const y = [3, 0, 1, 0, 6]
    for (const p of gainsCurve(y, [2, 2, 2, 2, 2], 11))
      expect(p.gain).toBeCloseTo(p.customer_share, 15)
  })
})

describe('spearman', () => {
  it('computes small cases by hand', () => {
    // Ranks differ by d = [0, 1, −1, 0]: 1 − 6 Σd² / (n (n² − 1)) = 1 − 12/60.
    expect(spearman([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 15)
    // Average ranks [1, 2.5, 2.5, 4] vs [1, 2, 3, 4]; centred: Σab = 4.5, Σa² = 4.5, Σb² = 5.
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(4.5 / Math.sqrt(4.5 * 5), 15)
  })
  it('is ±1 for monotone relations and 0 for a constant input', () => {
    expect(spearman([1, 5, 2, 8], [10, 500, 20, 8000])).toBe(1)
    expect(spearman([1, 5, 2, 8], [-1, -5, -2, -8])).toBe(-1)
    expect(spearman([1, 5, 2, 8], [3, 3, 3, 3])).toBe(0)
    expect(spearman([7], [3])).toBe(0)
  })
})
