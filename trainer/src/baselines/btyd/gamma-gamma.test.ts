import { expectedSpend } from '@fcv/core'
import { describe, expect, it } from 'vitest'
import { BtydFitError } from './errors.ts'
import { readCdnow } from './fixtures/cdnow.ts'
import { fitGammaGamma, gammaGammaLogLikelihood } from './gamma-gamma.ts'

const published = { p: 6.25, q: 3.74, v: 15.44 }

describe('Gamma-Gamma', () => {
  it('expected spend shrinks the observed mean toward the population mean', () => {
    const population = (6.25 * 15.44) / 2.74
    expect(expectedSpend(published, 0, 0)).toBeCloseTo(population, 12)
    // w = p x / (p x + q - 1) = 12.5 / 15.24
    const w = 12.5 / 15.24
    expect(expectedSpend(published, 2, 40)).toBeCloseTo((1 - w) * population + w * 40, 12)
    // returns that net a customer's repeat days to <= 0: the population mean
    expect(expectedSpend(published, 3, -5)).toBeCloseTo(population, 12)
    expect(() => expectedSpend({ ...published, q: 1 }, 1, 10)).toThrow(/q = 1 must be > 1/)
  })

  it('fits in any currency unit: minor units scale v and nothing else', () => {
    const rows = readCdnow()
      .filter((r) => r.x > 0)
      .map((r) => ({ x: r.x, m: r.zbar }))
    const dollars = fitGammaGamma(rows).params
    const cents = fitGammaGamma(rows.map((r) => ({ x: r.x, m: Math.round(r.m * 100) }))).params
    expect(cents.p).toBeCloseTo(dollars.p, 4)
    expect(cents.q).toBeCloseTo(dollars.q, 4)
    expect(cents.v / 100).toBeCloseTo(dollars.v, 3)
  })

  it('likelihood of one customer matches the density written out', () => {
    // x = 1: m is one gamma(p, nu) draw, nu ~ gamma(q, v): the density is
    // Gamma(p+q)/(Gamma(p)Gamma(q)) v^q m^(p-1) / (m+v)^(p+q), a beta-prime density in m/v
    const { p, q, v } = published
    const m = 20
    const direct = Math.log(
      (Math.exp(lgammaRatio(p, q)) * Math.pow(v, q) * Math.pow(m, p - 1)) / Math.pow(m + v, p + q)
    )
    expect(gammaGammaLogLikelihood(published, { x: 1, m })).toBeCloseTo(direct, 10)
  })

  it('refuses too few repeaters and invalid rows', () => {
    const few = Array.from({ length: 9 }, (_, i) => ({ x: 1 + i, m: 10 + i }))
    expect(() => fitGammaGamma(few)).toThrow(BtydFitError)
    expect(() => fitGammaGamma(few)).toThrow(/at least 10 repeat customers/)
    expect(() => fitGammaGamma([{ x: 0, m: 10 }])).toThrow(/row 0 \(x=0, m=10\): x must be/)
    expect(() => fitGammaGamma([{ x: 1, m: 0 }])).toThrow(/m must be finite, > 0/)
  })
})

/** log Gamma(p+q) - log Gamma(p) - log Gamma(q), with a log-gamma independent of @stdlib. */
function lgammaRatio(p: number, q: number): number {
  return lanczos(p + q) - lanczos(p) - lanczos(q)
}

/** Lanczos log-gamma (g = 7, n = 9), independent of @stdlib. */
function lanczos(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ]
  const z = x - 1
  let s = c[0]!
  for (let i = 1; i < 9; i++) s += c[i]! / (z + i)
  const t = z + 7.5
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s)
}
