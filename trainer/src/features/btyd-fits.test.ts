import { Random, type RfmSummary } from '@fcv/core'
import { describe, expect, it } from 'vitest'
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
    const a = fitForFeature(rows, '2011-01-01')
    const b = fitForFeature(shuffled, '2011-01-01')
    expect(a).not.toBeNull()
    expect(b).toEqual(a)
    expect(a!.customers).toBe(800)
    expect(a!.penalizer).toBe(0)
  })

  it('is null when no customer has bought before the cutoff', () => {
    expect(fitForFeature([], '2009-09-14')).toBeNull()
  })

  it('fails naming the cutoff and every penalty tried when nobody ever came back', () => {
    const once = population(50, 3).map((s) => ({ ...s, x: 0, tx: 0, monetary: 0 }))
    expect(() => fitForFeature(once, '2010-02-01')).toThrow(BtydFeatureError)
    expect(() => fitForFeature(once, '2010-02-01')).toThrow(
      /cutoff 2010-02-01: .*on 50 customers \(penalizer 0: .*penalizer 0\.1: .*repeat/
    )
  })
})
