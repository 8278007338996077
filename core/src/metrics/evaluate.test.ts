import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { auc } from './auc.ts'
import { decileMape } from './deciles.ts'
import { evaluateRegression, formatMetric, type RegressionMetrics } from './evaluate.ts'
import { mae, r2, r2Log1p, rmse, rmseLog1p, sumRatio, zeroShare } from './pointwise.ts'
import { gainsCurve, normalizedGini, spearman, topCapture } from './ranking.ts'

/** Integer y >= 0 (so sums are exact) and ŷ with plenty of ties, of equal length. */
function labelsAndPredictions(min: number, max: number) {
  return fc.integer({ min, max }).chain((n) => {
    const len = { minLength: n, maxLength: n }
    const y = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1000 })), len)
    const yhat = fc.array(
      fc.oneof(fc.integer({ min: 0, max: 5 }), fc.double({ min: 0, max: 100, noNaN: true })),
      len
    )
    return fc.tuple(y, yhat)
  })
}

/** Rows and the same rows in a shuffled order. */
function shuffled<T>(rows: T[]) {
  return fc.shuffledSubarray(rows, { minLength: rows.length })
}

const y = [0, 12.5, 0, 3, 40, 0, 7.25, 0, 0, 100, 1, 0]
const yhat = [1, 10, 0.5, 4, 30, 2, 2, 0, 0.5, 60, 3, 1]
const pBuy = [0.2, 0.9, 0.1, 0.6, 0.95, 0.3, 0.5, 0.05, 0.2, 0.99, 0.4, 0.3]

describe('evaluateRegression', () => {
  it('keeps its snake_case keys stable (they are DVC metric names)', () => {
    const keys: (keyof RegressionMetrics)[] = [
      'customers',
      'buyers',
      'zero_share',
      'mae',
      'rmse',
      'r2',
      'gini',
      'spearman',
      'top10_capture',
      'top10_lift',
      'auc',
      'decile_mape',
      'sum_ratio',
      'r2_log1p_buyers',
      'rmse_log1p_buyers',
    ]
    expect(Object.keys(evaluateRegression({ y, yhat }).metrics)).toEqual(keys)
  })
  it('agrees with the standalone functions', () => {
    const e = evaluateRegression({ y, yhat, pBuy })
    const labels = y.map((v) => (v > 0 ? 1 : 0))
    expect(e.metrics).toEqual({
      customers: 12,
      buyers: 6,
      zero_share: zeroShare(y),
      mae: mae(y, yhat),
      rmse: rmse(y, yhat),
      r2: r2(y, yhat),
      gini: normalizedGini(y, yhat),
      spearman: spearman(y, yhat),
      top10_capture: topCapture(y, yhat).capture,
      top10_lift: topCapture(y, yhat).lift,
      auc: auc(labels, pBuy),
      decile_mape: decileMape(y, yhat).mape,
      sum_ratio: sumRatio(y, yhat),
      r2_log1p_buyers: expect.closeTo(r2Log1p(y, yhat), 14),
      rmse_log1p_buyers: expect.closeTo(rmseLog1p(y, yhat), 14),
    })
    expect(e.aucScore).toBe('pBuy')
    expect(e.deciles).toEqual(decileMape(y, yhat).deciles)
    expect(e.gains).toEqual(gainsCurve(y, yhat))
    expect(e.gains).toHaveLength(101)
    const byYhat = evaluateRegression({ y, yhat })
    expect(byYhat.aucScore).toBe('yhat')
    expect(byYhat.metrics.auc).toBe(auc(labels, yhat))
  })
  it('scores a perfect prediction 1 and a reversed one −1', () => {
    const perfect = evaluateRegression({ y, yhat: y }).metrics
    expect(perfect).toMatchObject({ gini: 1, spearman: 1, auc: 1, decile_mape: 0, r2: 1, mae: 0 })
    expect(perfect.top10_capture).toBeCloseTo(140 / 163.75, 15) // top 2 of 12: 100 + 40
    const reversed = evaluateRegression({ y, yhat: y.map((v) => 100 - v) }).metrics
    expect(reversed.gini).toBeCloseTo(-1, 14)
    expect(reversed.spearman).toBe(-1)
    expect(reversed.auc).toBe(0)
  })
  it('scores a constant prediction 0 on every ranking metric', () => {
    const yy = [...y, 5, 0, 0, 8, 0, 0, 0, 2] // n = 20, so the top 10% is exactly 2 customers
    const m = evaluateRegression({ y: yy, yhat: yy.map(() => 3) }).metrics
    expect(m.gini).toBe(0)
    expect(m.spearman).toBe(0)
    expect(m.auc).toBe(0.5)
    expect(m.top10_capture).toBeCloseTo(0.1, 15)
  })
  it('writes null, never NaN, for what is undefined, and formats it as n/a', () => {
    const e = evaluateRegression({ y: [0, 0, 0], yhat: [1, 2, 3] })
    expect(e.metrics).toMatchObject({
      buyers: 0,
      gini: null,
      top10_capture: null,
      auc: null,
      decile_mape: null,
      sum_ratio: null,
      r2_log1p_buyers: null,
      rmse_log1p_buyers: null,
    })
    expect(JSON.parse(JSON.stringify(e.metrics))).toEqual(e.metrics)
    expect(formatMetric(e.metrics.auc)).toBe('n/a')
    expect(formatMetric(Number.NaN)).toBe('n/a')
    expect(formatMetric(0.12345)).toBe('0.123')
    expect(evaluateRegression({ y: [1, 2], yhat: [1, 2] }).metrics.auc).toBeNull() // all bought
  })
  it('validates pBuy', () => {
    expect(() => evaluateRegression({ y, yhat, pBuy: pBuy.slice(1) })).toThrow(
      'evaluateRegression: pBuy has length 11 but y has 12'
    )
    const bad = [...pBuy]
    bad[4] = 1.5
    expect(() => evaluateRegression({ y, yhat, pBuy: bad })).toThrow(
      'evaluateRegression: pBuy[4] = 1.5 is not in [0, 1]'
    )
    expect(() => evaluateRegression({ y: [1, -1], yhat: [1, 1] })).toThrow('y[1] = -1 is negative')
  })
  it('does not depend on the order of the rows', () => {
    // Integer labels keep every sum exact, so the rank metrics are identical and the rest equal up
    // to rounding. decile_mape is left out: ties across a decile boundary are broken by row index.
    const cases = labelsAndPredictions(1, 60).chain(([ys, ps]) =>
      fc.tuple(fc.constant(ys), fc.constant(ps), shuffled(ys.map((_, i) => i)))
    )
    fc.assert(
      fc.property(cases, ([ys, ps, perm]) => {
        const a = evaluateRegression({ y: ys, yhat: ps }).metrics
        const b = evaluateRegression({ y: perm.map((i) => ys[i]!), yhat: perm.map((i) => ps[i]!) })
        for (const key of ['gini', 'spearman', 'auc', 'top10_capture', 'buyers'] as const)
          expect(b.metrics[key]).toBe(a[key])
        for (const key of ['mae', 'rmse', 'r2', 'sum_ratio', 'r2_log1p_buyers'] as const) {
          const v = a[key]
          if (v === null) expect(b.metrics[key]).toBeNull()
          else expect(b.metrics[key]).toBeCloseTo(v, 9)
        }
      })
    )
  })
  it('gives the same decile table in any order when the predictions are distinct', () => {
    const cases = fc
      .uniqueArray(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 60 })
      .chain((ps) =>
        fc.tuple(
          fc.constant(ps),
          fc.array(fc.integer({ min: 0, max: 100 }), {
            minLength: ps.length,
            maxLength: ps.length,
          }),
          shuffled(ps.map((_, i) => i))
        )
      )
    fc.assert(
      fc.property(cases, ([ps, ys, perm]) => {
        const a = evaluateRegression({ y: ys, yhat: ps })
        const b = evaluateRegression({ y: perm.map((i) => ys[i]!), yhat: perm.map((i) => ps[i]!) })
        expect(b.deciles).toEqual(a.deciles)
        expect(b.metrics.decile_mape).toBe(a.metrics.decile_mape)
      })
    )
  })
})
