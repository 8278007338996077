import { expectedPurchases, probabilityAlive, type BgNbdParams } from '@fcv/core'
import { describe, expect, it } from 'vitest'
import { bgnbdLogLikelihood, fitBgNbd, groupedLogLikelihood, groupRows } from './bgnbd.ts'
import { readCdnow } from './fixtures/cdnow.ts'

const published: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }

describe('BG/NBD conditional expectations', () => {
  // [t, x, t_x, T, E[X(t)], P(alive)] from fixtures/reference_values.py (50-digit decimal arithmetic,
  // the untransformed 2F1 series), at the published CDNOW parameters.
  const reference = [
    [39, 2, 30.43, 38.86, 1.226028174767144, 7.265785700806729e-1],
    [39, 0, 0, 38.86, 1.950980520112626e-1, 1.0],
    [39, 1, 1.71, 38.86, 2.031869870797541e-1, 2.121009853773791e-1],
    [39, 29, 37.71, 38.0, 2.005294898649679e1, 9.691295181593395e-1],
    [39, 6, 5, 38.86, 3.084322823657809e-3, 6.84685574922826e-4],
    [1, 2, 30.43, 38.86, 3.744796974173226e-2, 7.265785700806729e-1],
    [200, 10, 30, 38.86, 1.323789148542996e1, 5.796336466813699e-1],
  ] as const

  it('match values computed independently', () => {
    for (const [t, x, tx, T, purchases, alive] of reference) {
      const row = { x, tx, T }
      expect(expectedPurchases(published, row, t) / purchases - 1).toBeCloseTo(0, 12)
      expect(probabilityAlive(published, row) / alive - 1).toBeCloseTo(0, 12)
    }
  })

  it('grow with t from 0, about as fast as the purchase rate at first', () => {
    const row = { x: 2, tx: 30.43, T: 38.86 }
    expect(expectedPurchases(published, row, 0)).toBe(0)
    const ts = [1e-9, 1e-3, 1, 10, 100, 1000, 1e5]
    const values = ts.map((t) => expectedPurchases(published, row, t))
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]!)
    // E[X(t)] ~ t P(alive) E[lambda | x, T] = t P(alive) (r + x) / (alpha + T) as t -> 0
    const rate = (probabilityAlive(published, row) * (published.r + 2)) / (published.alpha + 38.86)
    expect(values[0]! / 1e-9 / rate - 1).toBeCloseTo(0, 6)
  })

  it('are continuous through a = 1, where (a+b+x-1)/(a-1) is 0/0', () => {
    const row = { x: 3, tx: 20, T: 30 }
    const at = (a: number): number => expectedPurchases({ ...published, a }, row, 30)
    expect(Number.isFinite(at(1))).toBe(true)
    expect(at(1 - 1e-9) / at(1) - 1).toBeCloseTo(0, 7)
    expect(at(1 + 1e-9) / at(1) - 1).toBeCloseTo(0, 7)
  })

  it('stay finite at extremes (days): x = 500, t_x = T = 2000; x = 0; tiny T', () => {
    const days: BgNbdParams = { ...published, alpha: published.alpha * 7 }
    const rows = [
      { x: 500, tx: 2000, T: 2000 },
      { x: 500, tx: 0, T: 2000 },
      { x: 500, tx: 1, T: 1.5 },
      { x: 0, tx: 0, T: 2000 },
      { x: 0, tx: 0, T: 1e-6 },
      { x: 1, tx: 1e-6, T: 1e-6 },
    ]
    for (const row of rows) {
      for (const t of [1, 90, 3650]) {
        const e = expectedPurchases(days, row, t)
        expect(Number.isFinite(e) && e >= 0).toBe(true)
      }
      const p = probabilityAlive(days, row)
      expect(p >= 0 && p <= 1).toBe(true)
    }
    // A customer who bought every day for 2000 days is almost surely alive and keeps buying
    expect(expectedPurchases(days, rows[0]!, 90)).toBeGreaterThan(20)
  })

  it('validate rows with errors that name them', () => {
    expect(() => probabilityAlive(published, { x: 1.5, tx: 1, T: 2 })).toThrow(/x must be a whole/)
    expect(() => probabilityAlive(published, { x: 1, tx: 3, T: 2 })).toThrow(
      /t_x must be in \[0, T\]/
    )
    expect(() => probabilityAlive(published, { x: 1, tx: 0, T: 0 })).toThrow(
      /T must be finite and > 0/
    )
    expect(() => expectedPurchases(published, { x: 1, tx: 1, T: 2 }, -1)).toThrow(/t=-1/)
    const rows = [
      { x: 1, tx: 1, T: 2 },
      { x: 0, tx: 1, T: 2 },
    ]
    expect(() => fitBgNbd(rows)).toThrow(/row 1 \(x=0, t_x=1, T=2\): t_x must be 0 when x is 0/)
  })
})

describe('BG/NBD likelihood and fit', () => {
  const cdnow = readCdnow()

  it('grouped log-likelihood equals the sum over customers', () => {
    const sum = cdnow.reduce((s, row) => s + bgnbdLogLikelihood(published, row), 0)
    expect(groupedLogLikelihood(published, groupRows(cdnow)) / sum - 1).toBeCloseTo(0, 12)
  })

  it('weights act as repeated rows', () => {
    const some = cdnow.slice(0, 400)
    const doubled = fitBgNbd([...some, ...some])
    const weighted = fitBgNbd(some, { weights: some.map(() => 2) })
    expect(weighted.params.r).toBeCloseTo(doubled.params.r, 6)
    expect(weighted.params.b).toBeCloseTo(doubled.params.b, 6)
    expect(weighted.logLikelihood).toBeCloseTo(doubled.logLikelihood, 4)
  })

  it('shrinks the parameters under a penalizer', () => {
    const plain = fitBgNbd(cdnow).params
    const penalized = fitBgNbd(cdnow, { penalizer: 0.1 }).params
    const size = (p: BgNbdParams): number => p.r ** 2 + p.a ** 2 + p.b ** 2
    expect(size(penalized)).toBeLessThan(size(plain))
  })

  it('rejects bad weights and empty data', () => {
    expect(() => fitBgNbd(cdnow.slice(0, 2), { weights: [1] })).toThrow(/1 weights for 2 rows/)
    expect(() => fitBgNbd(cdnow.slice(0, 1), { weights: [-1] })).toThrow(/row 0: weight -1/)
    expect(() => fitBgNbd([])).toThrow(/no customers/)
  })
})
