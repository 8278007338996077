import { describe, expect, it } from 'vitest'
import { mae, r2, r2Log1p, rmse, rmseLog1p, sumRatio, zeroShare } from './pointwise.ts'

describe('currency errors and R²', () => {
  // y = [0, 2, 4], ŷ = [1, 2, 1]: errors ŷ − y = [1, 0, −3].
  const y = [0, 2, 4]
  const yhat = [1, 2, 1]
  it('computes MAE, RMSE and R² by hand', () => {
    expect(mae(y, yhat)).toBeCloseTo(4 / 3, 15) // (1 + 0 + 3) / 3
    expect(rmse(y, yhat)).toBeCloseTo(Math.sqrt(10 / 3), 15) // sqrt((1 + 0 + 9) / 3)
    // ȳ = 2, SST = 4 + 0 + 4 = 8, SSE = 10: R² = 1 − 10/8.
    expect(r2(y, yhat)).toBeCloseTo(-0.25, 15)
  })
  it('accepts Float64Array as well as arrays', () => {
    expect(mae(Float64Array.from(y), Float64Array.from(yhat))).toBeCloseTo(4 / 3, 15)
  })
  it('defines R² for constant y: 1 when exact, else 0', () => {
    expect(r2([3, 3], [3, 3])).toBe(1)
    expect(r2([3, 3], [3, 4])).toBe(0)
  })
  it('is 1 for a perfect prediction', () => {
    expect(r2([1, 5, 9], [1, 5, 9])).toBe(1)
  })
})

describe('aggregate calibration and zero share', () => {
  it('sums ŷ over y', () => {
    expect(sumRatio([0, 2, 4], [1, 2, 1])).toBeCloseTo(4 / 6, 15)
    expect(sumRatio([0, 0], [1, 2])).toBeNaN()
  })
  it('counts zero labels', () => {
    expect(zeroShare([0, 2, 0, 4])).toBe(0.5)
    expect(zeroShare([1])).toBe(0)
  })
})

describe('log1p figures over buyers', () => {
  // Buyers are rows 1 and 2: log1p(y) = [1, 2], log1p(ŷ) = [1, 1]; row 0 (y = 0) is left out.
  const y = [0, Math.E - 1, Math.E ** 2 - 1]
  const yhat = [5, Math.E - 1, Math.E - 1]
  it('computes RMSE and R² by hand', () => {
    expect(rmseLog1p(y, yhat)).toBeCloseTo(Math.sqrt(1 / 2), 14) // errors [0, −1]
    // mean log1p(y) = 1.5, SST = 0.25 + 0.25 = 0.5, SSE = 1: R² = 1 − 2.
    expect(r2Log1p(y, yhat)).toBeCloseTo(-1, 14)
  })
  it('is NaN without buyers', () => {
    expect(r2Log1p([0, 0], [1, 2])).toBeNaN()
    expect(rmseLog1p([0, 0], [1, 2])).toBeNaN()
  })
  it('refuses a buyer prediction with no log1p', () => {
    expect(() => rmseLog1p([0, 3], [-5, -1])).toThrow(/rmseLog1p: yhat\[1\] = -1/)
  })
})

describe('input validation', () => {
  it('names the argument and the first bad index', () => {
    expect(() => mae([1, 2], [1])).toThrow(RangeError)
    expect(() => mae([1, 2], [1])).toThrow('mae: yhat has length 1 but y has 2')
    expect(() => rmse([1, 2, 3], [1, Number.NaN, Infinity])).toThrow(
      'rmse: yhat[1] = NaN is not finite'
    )
    expect(() => r2([1, -2, -3], [1, 2, 3])).toThrow('r2: y[1] = -2 is negative')
    expect(() => r2([1, Infinity], [1, 2])).toThrow('r2: y[1] = Infinity is not finite')
    expect(() => zeroShare([])).toThrow('zeroShare: y is empty')
  })
})
