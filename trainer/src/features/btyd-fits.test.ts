import { btydValue, Random, type RfmSummary } from '@fcv/core'
import { describe, expect, it } from 'vitest'
import { fitBtyd, paramsOf } from '../baselines/btyd/index.ts'
import { BtydFeatureError, fitForFeature } from './btyd-fits.ts'

// A population drawn with some repeaters, in days and minor units.
function population(n: number, seed: number): RfmSummary[] {
  const random = new Random(seed)
  return Array.from({ length: n }, () => {
    const T = 30 + random.int(300)
    const x = random.int(4) === 0 ? 0 : random.int(12)
    const tx = x === 0 ? 0 : Math.min(T - 1, 5 + random.int(T))
    return { x, tx, T, monetary: x === 0 ? 0 : 1000 + random.int(20000) }
  })
}

describe('fitForFeature', () => {
  it('gives the same fit whatever order the customers come in (passes, shards)', () => {
    const rows = population(800, 7)
    const shuffled = [...rows].reverse()
    const a = fitForFeature(rows, '2011-01-01', 90)
    const b = fitForFeature(shuffled, '2011-01-01', 90)
    expect(a).not.toBeNull()
    expect(b).toEqual(a)
    expect(a!.customers).toBe(800)
  })

  it('moves to a penalty whose fit scores every customer it was fitted on', () => {
    // Purchases spread evenly over each life, no sign of dropping out: unpenalised, BG/NBD's a and b
    // run off together (a ~ 6e5, b ~ 5e6) and the 2F1 series of E[X(t)] overflows for everyone.
    const rows = population(800, 7)
    const unpenalised = paramsOf(fitBtyd(rows, { penalizer: 0 }))
    expect(() => btydValue(unpenalised, rows[0]!, 90)).toThrow(/2F1 series overflowed/)
    const fit = fitForFeature(rows, '2011-01-01', 90)!
    expect(fit.penalizer).toBeGreaterThan(0)
    for (const s of rows) expect(Number.isFinite(btydValue(fit.params, s, 90))).toBe(true)
  })

  it('is null when no customer has bought before the cutoff', () => {
    expect(fitForFeature([], '2009-09-14', 90)).toBeNull()
  })

  it('fails naming the cutoff and every penalty tried when nobody ever came back', () => {
    const once = population(50, 3).map((s) => ({ ...s, x: 0, tx: 0, monetary: 0 }))
    expect(() => fitForFeature(once, '2010-02-01', 90)).toThrow(BtydFeatureError)
    expect(() => fitForFeature(once, '2010-02-01', 90)).toThrow(
      /cutoff 2010-02-01: .*on 50 customers \(penalizer 0: .*penalizer 0\.1: .*repeat/
    )
  })
})
