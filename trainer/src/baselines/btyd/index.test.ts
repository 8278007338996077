import { DAY_MS, rfmSummary } from '@fcv/core'
import { describe, expect, it } from 'vitest'
import { readCdnow } from './fixtures/cdnow.ts'
import { simulate } from './fixtures/synthetic.ts'
import { btydBaseline, BtydFitError, fitBtyd, predictValue, type BtydModel } from './index.ts'

const truth = { r: 0.5, alpha: 20, a: 0.8, b: 3, p: 3, q: 4, v: 3000 }

describe('btydBaseline on 50,000 simulated customers', () => {
  const set = simulate(50_000, truth)
  const summaries = set.histories.map((h) => rfmSummary(h, set.t0)!)
  const model = fitBtyd(summaries)

  it('recovers the parameters it was simulated with', () => {
    // Within 12%: the summaries put every purchase at the start of its UTC day and merge same-day
    // purchases, which the continuous-time simulation does not.
    const fitted = { ...model.bgnbd.params, ...model.gammaGamma.params }
    for (const [name, value] of Object.entries(truth)) {
      expect(fitted[name as keyof typeof fitted] / value - 1, name).toBeGreaterThan(-0.12)
      expect(fitted[name as keyof typeof fitted] / value - 1, name).toBeLessThan(0.12)
    }
  })

  it('predicts the total 90-day spend within 5%', () => {
    const predicted = btydBaseline(set.histories, set.t0, 90)
    const total = predicted.reduce<number>((s, v) => s + (v ?? 0), 0)
    const actual = set.future.reduce((s, v) => s + v, 0)
    expect(total / actual).toBeGreaterThan(0.95)
    expect(total / actual).toBeLessThan(1.05)
    expect(predicted.every((v) => v !== undefined && Number.isFinite(v) && v >= 0)).toBe(true)
  })

  it('gives finite predictions at extremes', () => {
    const extremes = [
      { x: 500, tx: 2000, T: 2000, monetary: 1e7 },
      { x: 500, tx: 0, T: 2000, monetary: 1 },
      { x: 0, tx: 0, T: 2000, monetary: 0 },
      { x: 0, tx: 0, T: 1 / DAY_MS, monetary: 0 },
      { x: 3, tx: 2, T: 2.5, monetary: -100 },
    ]
    for (const s of extremes) {
      for (const horizon of [1, 90, 3650]) {
        const v = predictValue(model, s, horizon)
        expect(Number.isFinite(v) && v >= 0, JSON.stringify({ s, horizon, v })).toBe(true)
      }
    }
  })
})

describe('fitBtyd', () => {
  it('fits the CDNOW summaries in one call', () => {
    const rows = readCdnow().map((r) => ({ x: r.x, tx: r.tx, T: r.T, monetary: r.zbar }))
    const model: BtydModel = fitBtyd(rows)
    expect(model.bgnbd.params.r.toFixed(3)).toBe('0.243')
    expect(model.gammaGamma.params.p.toFixed(2)).toBe('6.25')
    // 39 weeks ahead for the first customer (x = 2, t_x = 30.43, T = 38.86, zbar = 22.35)
    const value = predictValue(model, rows[0]!, 39)
    expect(value).toBeGreaterThan(20)
    expect(value).toBeLessThan(40)
  })

  it('fails with a BtydFitError when there are too few repeaters', () => {
    const rows = [
      ...Array.from({ length: 100 }, (_, i) => ({ x: 0, tx: 0, T: 10 + (i % 7), monetary: 0 })),
      ...Array.from({ length: 5 }, (_, i) => ({ x: 1 + i, tx: 5, T: 12, monetary: 100 })),
    ]
    expect(() => fitBtyd(rows)).toThrow(BtydFitError)
  })

  it('fails with a BtydFitError when BG/NBD has no estimate', () => {
    // Nobody ever repeats: the likelihood increases without bound as r/alpha -> 0
    const rows = Array.from({ length: 50 }, (_, i) => ({ x: 0, tx: 0, T: 1 + i, monetary: 0 }))
    expect(() => fitBtyd(rows)).toThrow(BtydFitError)
    expect(() => fitBtyd(rows)).toThrow(/BG\/NBD cannot be fitted: no customer has a repeat/)
  })
})
