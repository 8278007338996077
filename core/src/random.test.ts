import { describe, expect, it } from 'vitest'
import { AliasTable, Random } from './random.ts'

describe('Random', () => {
  it('gives the same draws for the same seed, and other draws for another', () => {
    const draws = (seed: number) => {
      const random = new Random(seed)
      return Array.from({ length: 5 }, () => random.uniform())
    }
    expect(draws(1)).toEqual(draws(1))
    expect(draws(2)).not.toEqual(draws(1))
    for (const u of draws(3)) expect(u > 0 && u < 1).toBe(true)
  })

  it('draws from an alias table in proportion to the weights', () => {
    const random = new Random(5)
    const table = new AliasTable([1, 2, 7])
    const counts = [0, 0, 0]
    for (let i = 0; i < 100_000; i++) counts[table.sample(random)]!++
    expect(counts[0]! / 100_000).toBeCloseTo(0.1, 1)
    expect(counts[2]! / 100_000).toBeCloseTo(0.7, 1)
  })

  it('draws gamma variates with the right mean', () => {
    const random = new Random(9)
    let sum = 0
    for (let i = 0; i < 50_000; i++) sum += random.gamma(0.6, 2)
    expect(sum / 50_000).toBeCloseTo(0.3, 1)
  })
})
