import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Random } from '../random.ts'
import {
  SIGMA_FLOOR,
  sigmoid,
  softplus,
  softplusInverse,
  zilnParams,
  zilnPredict,
  zilnQuantile,
  zilnVariance,
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

  it('gives the variance of the mixture whose mean `expected` is, clamped alike', () => {
    // p = 1: the lognormal's (e^{s^2} - 1) e^{2 mu + s^2}
    expect(zilnVariance({ p: 1, mu: 1, sigma: 0.5 })).toBeCloseTo(
      (Math.exp(0.25) - 1) * Math.exp(2 + 0.25),
      12
    )
    // p = 0.25: E[V^2] - E[V]^2 = p e^{2 mu + 2 s^2} - (p e^{mu + s^2 / 2})^2
    const z = { p: 0.25, mu: 2, sigma: 0.8 }
    const want = 0.25 * Math.exp(4 + 2 * 0.64) - (0.25 * Math.exp(2 + 0.32)) ** 2
    expect(zilnVariance(z)).toBeCloseTo(want, 9)
    // under the mean's cap: the mean is expected's, the relative spread unchanged
    const capped = zilnPredict(0, 8, softplusInverse(1), { maxLogValue: 5 })
    const v = zilnVariance(zilnParams(0, 8, softplusInverse(1)), 5)
    expect(v).toBeCloseTo(capped.expected ** 2 * (Math.exp(1) / 0.5 - 1), 6)
    expect(zilnVariance({ p: 0, mu: 3, sigma: 1 })).toBe(0)
    // a seeded Monte Carlo of the mixture agrees
    const random = new Random(12345)
    let sum = 0
    let sum2 = 0
    const n = 200_000
    for (let i = 0; i < n; i++) {
      const buys = random.uniform() < z.p
      const value = buys ? Math.exp(z.mu + z.sigma * random.normal()) : 0
      sum += value
      sum2 += value * value
    }
    const mcVariance = sum2 / n - (sum / n) ** 2
    expect(Math.abs(mcVariance / want - 1)).toBeLessThan(0.05)
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
