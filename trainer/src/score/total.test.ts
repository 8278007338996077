import { Random, zilnVariance, type ZilnParams } from '@fcv/core'
import { describe, expect, it } from 'vitest'
import { TotalAccumulator, totalOf } from './total.ts'

describe('the total and its interval', () => {
  it('adds means and variances, P10 and P90 at 1.2816 sd either side, P10 never below 0', () => {
    const acc = new TotalAccumulator()
    acc.add([1, 2], [4, 5])
    acc.add(Float64Array.of(3), Float64Array.of(7))
    const t = acc.total()
    expect(t).toMatchObject({ expected: 6, variance: 16, sd: 4 })
    expect(t.p90).toBeCloseTo(6 + 1.2815515655446004 * 4, 12)
    expect(t.p10).toBeCloseTo(6 - 1.2815515655446004 * 4, 12)
    expect(totalOf(1, 100).p10).toBe(0)
    expect(new TotalAccumulator().total()).toMatchObject({ expected: 0, sd: 0, p10: 0, p90: 0 })
  })

  it('covers about 80% of a seeded simulation of the sum of 2,000 customers', () => {
    // customers like the sample's: mostly unlikely buyers, lognormal spend when they buy
    const random = new Random(7)
    const customers: ZilnParams[] = Array.from({ length: 2000 }, () => ({
      p: 0.05 + 0.6 * random.uniform(),
      mu: 5 + random.normal(),
      sigma: 0.6 + 0.6 * random.uniform(),
    }))
    const acc = new TotalAccumulator()
    acc.add(
      customers.map((z) => z.p * Math.exp(z.mu + (z.sigma * z.sigma) / 2)),
      customers.map((z) => zilnVariance(z))
    )
    const { p10, p90 } = acc.total()
    let below = 0
    let above = 0
    const draws = 2000
    for (let d = 0; d < draws; d++) {
      let sum = 0
      for (const z of customers) {
        if (random.uniform() < z.p) sum += Math.exp(z.mu + z.sigma * random.normal())
      }
      if (sum < p10) below++
      else if (sum > p90) above++
    }
    // about 10% each side: fewer below, as the sum is skewed to the right (total.ts)
    expect(1 - (below + above) / draws).toBeGreaterThan(0.76)
    expect(1 - (below + above) / draws).toBeLessThan(0.86)
    expect(below / draws).toBeGreaterThan(0.05)
    expect(above / draws).toBeGreaterThan(0.07)
    expect(above / draws).toBeLessThan(0.14)
  })
})
