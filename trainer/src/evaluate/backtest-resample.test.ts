import { Random } from '@fcv/core'
import { describe, expect, it } from 'vitest'
import { barUnderResampling } from './backtest-resample.ts'
import { BTYD_NAME, MODEL_NAME } from './index.ts'

// A case of n customers: 30 % buy, spend lognormal; BG/NBD-like predictions that know the buyers
// roughly, and a naive baseline that knows them less.
function makeCase(n: number, seed: number) {
  const random = new Random(seed)
  const normal = () => random.normal()
  const actual = new Float64Array(n)
  const btyd = new Float64Array(n)
  const naive = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const level = Math.exp(5 + normal())
    actual[i] = random.uniform() < 0.3 ? level * Math.exp(0.5 * normal()) : 0
    btyd[i] = 0.3 * level * Math.exp(0.4 * normal())
    naive[i] = 0.3 * level * Math.exp(1.2 * normal())
  }
  return { actual, btyd, naive }
}

describe('barUnderResampling', () => {
  const { actual, btyd, naive } = makeCase(2000, 3)

  it('holds on every resample for a model far better than the baselines', () => {
    // Knows who buys and about how much: better Gini and RMSE than anything else, total near 1.
    const model = Float64Array.from(actual, (y, i) => (y > 0 ? y : 0.05 * (btyd[i] as number)))
    const c = barUnderResampling(actual, [
      { name: MODEL_NAME, yhat: model },
      { name: BTYD_NAME, yhat: btyd },
      { name: 'naive', yhat: naive },
    ])
    expect(c).toMatchObject({ resamples: 300, gini: 1, rmse: 1, sum_ratio: 1, all: 1 })
  })

  it('never holds for a model that errs more than BG/NBD x Gamma-Gamma on every customer', () => {
    const model = Float64Array.from(btyd, (b) => 3 * b + 50)
    const c = barUnderResampling(actual, [
      { name: MODEL_NAME, yhat: model },
      { name: BTYD_NAME, yhat: btyd },
    ])
    expect(c.rmse).toBe(0)
    expect(c.all).toBe(0)
  })

  it('is a coin when one customer decides the RMSE', () => {
    // The model is BG/NBD's prediction except for the largest spender, whom it gets nearly right,
    // and a small extra error on everyone else: without that customer it loses, with it it wins.
    let top = 0
    for (let i = 1; i < actual.length; i++) if (actual[i]! > actual[top]!) top = i
    const model = Float64Array.from(btyd, (b, i) => (i === top ? actual[top]! : b + 25))
    const full = (yhat: ArrayLike<number>) => {
      let s = 0
      for (let i = 0; i < actual.length; i++) s += (yhat[i]! - actual[i]!) ** 2
      return s
    }
    expect(full(model)).toBeLessThan(full(btyd)) // on the whole log the model wins
    const c = barUnderResampling(actual, [
      { name: MODEL_NAME, yhat: model },
      { name: BTYD_NAME, yhat: btyd },
    ])
    // A resample leaves that customer out with probability (1 - 1/n)^n ~ 37 %.
    expect(c.rmse).toBeGreaterThan(0.45)
    expect(c.rmse).toBeLessThan(0.8)
  })

  it('gives the same shares for the same seed, and checks its input', () => {
    const models = [
      { name: MODEL_NAME, yhat: Float64Array.from(btyd, (b, i) => b + (naive[i] as number) / 4) },
      { name: BTYD_NAME, yhat: btyd },
      { name: 'naive', yhat: naive },
    ]
    const a = barUnderResampling(actual, models, { resamples: 60, seed: 9 })
    expect(barUnderResampling(actual, models, { resamples: 60, seed: 9 })).toEqual(a)
    expect(a).toMatchObject({ resamples: 60, seed: 9 })
    expect(() =>
      barUnderResampling(actual, [{ name: MODEL_NAME, yhat: btyd.subarray(1) }])
    ).toThrow(/ziln has 1999 predictions for 2000 customers/)
    expect(() => barUnderResampling([], [])).toThrow(/no customers/)
  })
})
