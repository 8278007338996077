import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  SIGMA_FLOOR,
  sigmoid,
  softplus,
  softplusInverse,
  zilnParams,
  zilnPredict,
  zilnQuantile,
} from './ziln.ts'

describe('ZILN head', () => {
  it('maps logits to p, mu and a floored sigma', () => {
    const z = zilnParams(0, 2, -50)
    expect(z.p).toBe(0.5)
    expect(z.mu).toBe(2)
    expect(z.sigma).toBe(SIGMA_FLOOR) // softplus(-50) ~ 2e-22, under the floor
    expect(zilnParams(0, 0, 0).sigma).toBeCloseTo(Math.log(2), 15)
  })

  it('softplus and its inverse agree, without overflow at the extremes', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 700, noNaN: true }), (y) => {
        expect(softplus(softplusInverse(y))).toBeCloseTo(y, 6)
      })
    )
    expect(softplus(1000)).toBe(1000)
    expect(softplus(-1000)).toBe(0)
    expect(sigmoid(1000)).toBe(1)
    expect(sigmoid(-1000)).toBe(0)
    expect(() => softplusInverse(0)).toThrow(RangeError)
  })

  it('predicts p * exp(mu + sigma^2 / 2), clamped in the log', () => {
    // z0 = 0 -> p = 0.5; sigma = softplus(z2) = 1 when z2 = softplusInverse(1)
    const z2 = softplusInverse(1)
    const pred = zilnPredict(0, 3, z2)
    expect(pred.pBuy).toBe(0.5)
    expect(pred.expected).toBeCloseTo(0.5 * Math.exp(3.5), 10)
    expect(zilnPredict(0, 3, z2, { maxLogValue: 2 }).expected).toBeCloseTo(0.5 * Math.exp(2), 10)
  })

  it('caps sigma at maxSigma, for the mean and the quantiles alike', () => {
    const wide = softplusInverse(3)
    const capped = zilnPredict(0, 3, wide, { maxSigma: 1 })
    const one = zilnPredict(0, 3, softplusInverse(1))
    expect(capped.expected).toBeCloseTo(0.5 * Math.exp(3.5), 10)
    expect(capped.p90).toBeCloseTo(one.p90, 10)
    expect(zilnPredict(0, 3, wide).expected).toBeCloseTo(0.5 * Math.exp(3 + 4.5), 6)
    // a narrower sigma than the cap is left alone
    expect(zilnPredict(0, 3, softplusInverse(0.5), { maxSigma: 1 })).toEqual(
      zilnPredict(0, 3, softplusInverse(0.5))
    )
  })

  it('gives the mixture quantiles: 0 up to the zero mass, then lognormal quantiles', () => {
    const z = { p: 0.5, mu: 1, sigma: 2 }
    expect(zilnQuantile(0.1, z)).toBe(0)
    expect(zilnQuantile(0.5, z)).toBe(0) // exactly the zero mass
    // q = 0.75 -> inner (0.75 - 0.5) / 0.5 = 0.5 -> the lognormal median exp(mu)
    expect(zilnQuantile(0.75, z)).toBeCloseTo(Math.E, 10)
    // p = 1, q = 0.9: exp(mu + sigma * 1.2815515655446004)
    const one = { p: 1, mu: 0, sigma: 1 }
    expect(zilnQuantile(0.9, one)).toBeCloseTo(Math.exp(1.2815515655446004), 9)
    expect(zilnQuantile(0.1, one)).toBeCloseTo(Math.exp(-1.2815515655446004), 9)
    expect(() => zilnQuantile(1.5, one)).toThrow(RangeError)
  })

  it('orders its quantiles and keeps them finite', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -30, max: 30, noNaN: true }),
        fc.double({ min: -5, max: 12, noNaN: true }),
        fc.double({ min: -30, max: 5, noNaN: true }),
        (z0, z1, z2) => {
          const p = zilnPredict(z0, z1, z2, { maxLogValue: Math.log(1e7) })
          expect(p.p10).toBeLessThanOrEqual(p.p50)
          expect(p.p50).toBeLessThanOrEqual(p.p90)
          for (const v of [p.expected, p.p10, p.p50, p.p90]) expect(Number.isFinite(v)).toBe(true)
        }
      )
    )
  })
})
