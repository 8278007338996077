import { defineFeatureSpec, parseInstant } from '@fcv/core'
import { describe, expect, it } from 'vitest'
import type { FeatureTable } from '../features/read-table.ts'
import { trainingProfile } from './profile.ts'

const spec = defineFeatureSpec({
  horizonDays: 90,
  capDays: 730,
  currencyExponent: 2,
  countryTopK: 5,
})
const t0 = parseInstant('2011-06-12')

/** A table of `rows` customers at t0: every numeric feature i * 10 + j, country "X". */
function table(rows: number, cutoffs = new Float64Array(rows).fill(t0)): FeatureTable {
  const numeric: Record<string, Float64Array> = {}
  spec.features.forEach((f, j) => {
    if (f.kind === 'numeric')
      numeric[f.name] = Float64Array.from({ length: rows }, (_, i) => i * 10 + j)
  })
  return {
    rows,
    customerIds: Array.from({ length: rows }, (_, i) => `c${i}`),
    cutoffs,
    numeric,
    categorical: { country: new Array<string>(rows).fill('X') },
    label: new Float64Array(rows),
    labelMinor: new Float64Array(rows),
  }
}

describe('trainingProfile', () => {
  it('buckets every numeric feature by its deciles and the predictions by the fixed bounds', () => {
    const rows = 20
    const expected = Array.from({ length: rows }, (_, i) => i * 3)
    const pBuy = Array.from({ length: rows }, (_, i) => i / 20)
    const p = trainingProfile(spec, table(rows), { expected, pBuy })
    expect(p.cutoff).toBe('2011-06-12')
    expect(p.rows).toBe(rows)
    const numeric = spec.features.filter((f) => f.kind === 'numeric')
    expect(p.features.map((f) => f.name)).toEqual(numeric.map((f) => f.name))
    // the first feature's values are 0, 10, ..., 190: deciles every second value
    expect(p.features[0]).toEqual({
      name: numeric[0]!.name,
      bounds: [10, 30, 50, 70, 90, 110, 130, 150, 170],
      counts: [2, 2, 2, 2, 2, 2, 2, 2, 2, 2],
      n: rows,
      sum: 1900,
    })
    // expected 0..57 on [0, 1, 5, 10, 25, 50, 100, ...]
    expect(p.predicted.value.counts.slice(0, 7)).toEqual([1, 0, 1, 2, 5, 8, 3])
    expect(p.predicted.pBuy.n).toBe(rows)
  })

  it('refuses rows of several cutoffs, no rows, or predictions that do not match them', () => {
    const one = { expected: [1, 2], pBuy: [0.1, 0.2] }
    expect(() => trainingProfile(spec, table(2, Float64Array.of(t0, t0 + 1)), one)).toThrow(
      /one cutoff/
    )
    expect(() => trainingProfile(spec, table(0), { expected: [], pBuy: [] })).toThrow(/needs rows/)
    expect(() => trainingProfile(spec, table(3), one)).toThrow(/one prediction per row \(3\)/)
  })
})
