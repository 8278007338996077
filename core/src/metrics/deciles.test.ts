import { describe, expect, it } from 'vitest'
import { decileMape } from './deciles.ts'

describe('decileMape', () => {
  it('computes a case by hand, skipping deciles with mean y = 0', () => {
    // By ŷ: row 9 (ŷ 6, y 5), rows 5–8 (ŷ 4, y 5), rows 0–4 (ŷ 1, y 0); one customer per decile.
    // Deciles 1–5: |6 − 5|/5 = 0.2 and four × |4 − 5|/5 = 0.2; deciles 6–10 have mean y 0.
    const y = [0, 0, 0, 0, 0, 5, 5, 5, 5, 5]
    const yhat = [1, 1, 1, 1, 1, 4, 4, 4, 4, 6]
    const { mape, deciles } = decileMape(y, yhat)
    expect(mape).toBeCloseTo(0.2, 15)
    expect(deciles[0]).toEqual({ decile: 1, count: 1, mean_y: 5, mean_yhat: 6, ape: 0.2 })
    expect(deciles[9]?.ape).toBeNaN()
  })
  it('is 0 for a perfect prediction and 1 for ŷ = 2y', () => {
    const y = Array.from({ length: 37 }, (_, i) => (i * 7) % 11)
    expect(decileMape(y, y).mape).toBe(0)
    expect(
      decileMape(
        y,
        y.map((v) => 2 * v)
      ).mape
    ).toBeCloseTo(1, 14)
  })
  it('breaks ties by index, not by value, so a tied prediction still fills 10 buckets', () => {
    // Constant ŷ over y = 1..20: decile d holds rows 2d−2 and 2d−1, mean y 2d − 0.5.
    const y = Array.from({ length: 20 }, (_, i) => i + 1)
    const { deciles } = decileMape(
      y,
      y.map(() => 3)
    )
    expect(deciles.map((d) => d.mean_y)).toEqual([
      1.5, 3.5, 5.5, 7.5, 9.5, 11.5, 13.5, 15.5, 17.5, 19.5,
    ])
    expect(deciles.every((d) => d.count === 2 && d.mean_yhat === 3)).toBe(true)
  })
  it('makes buckets that differ in size by at most one', () => {
    for (const n of [1, 3, 9, 10, 11, 25, 99]) {
      const counts = decileMape(new Array(n).fill(1), new Array(n).fill(1)).deciles.map(
        (d) => d.count
      )
      expect(counts.reduce((a, b) => a + b, 0)).toBe(n)
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1)
    }
    // With fewer than 10 customers some buckets are empty (NaN means) and are skipped.
    const small = decileMape([1, 2, 3], [1, 2, 3])
    expect(small.mape).toBe(0)
    expect(small.deciles.filter((d) => d.count === 0)).toHaveLength(7)
  })
  it('is NaN when no decile has a positive mean y', () => {
    expect(decileMape([0, 0, 0], [1, 2, 3]).mape).toBeNaN()
  })
})
