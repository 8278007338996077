import { describe, expect, it } from 'vitest'
import {
  coarsen,
  DriftInputError,
  populationStabilityIndex,
  profileBounds,
  PSI_EPSILON,
} from './drift.ts'
import { histogramOf, TELEMETRY_BOUNDS } from './telemetry-histogram.ts'
import { WIDGET_BEACON_BOUNDS } from './widget-beacon.ts'

describe('populationStabilityIndex', () => {
  it('is 0 for identical distributions, whatever their sizes', () => {
    expect(populationStabilityIndex([10, 20, 30, 40], [10, 20, 30, 40])).toBe(0)
    expect(populationStabilityIndex([10, 20, 30, 40], [100, 200, 300, 400])).toBeCloseTo(0, 15)
  })

  it('gives the hand-computed values', () => {
    // (0.6 - 0.5) ln(0.6 / 0.5) + (0.4 - 0.5) ln(0.4 / 0.5) = 0.0182321557 + 0.0223143551
    expect(populationStabilityIndex([50, 50], [60, 40])).toBeCloseTo(0.0405465108, 9)
    // quartiles shifting up: 0.1374436098 + 0.0111571776 + 0.0091160778 + 0.0705005444
    const shifted = populationStabilityIndex([25, 25, 25, 25], [10, 20, 30, 40])
    expect(shifted).toBeCloseTo(0.2282174096, 9)
    expect(shifted).toBeGreaterThan(0.2)
  })

  it('is symmetric in its two sides', () => {
    expect(populationStabilityIndex([10, 20, 30, 40], [25, 25, 25, 25])).toBeCloseTo(
      populationStabilityIndex([25, 25, 25, 25], [10, 20, 30, 40]),
      12
    )
  })

  it('counts an empty bucket as PSI_EPSILON, so the index stays finite', () => {
    expect(PSI_EPSILON).toBe(1e-4)
    // (0.5 - 1) ln(0.5 / 1) + (0.5 - 1e-4) ln(0.5 / 1e-4) = 0.3465735903 + 4.2577448764
    expect(populationStabilityIndex([100, 0], [50, 50])).toBeCloseTo(4.6043184667, 9)
    // a bucket empty on both sides adds nothing
    expect(populationStabilityIndex([50, 0, 50], [60, 0, 40])).toBeCloseTo(
      populationStabilityIndex([50, 50], [60, 40]),
      15
    )
  })

  it('names what is wrong with its input', () => {
    expect(() => populationStabilityIndex([1, 2], [1, 2, 3])).toThrow(
      /one count per bucket each: 2 and 3/
    )
    expect(() => populationStabilityIndex([], [])).toThrow(DriftInputError)
    expect(() => populationStabilityIndex([0, 0], [1, 2])).toThrow(/expected is empty/)
    expect(() => populationStabilityIndex([1, 2], [0, 0])).toThrow(/actual is empty/)
    expect(() => populationStabilityIndex([1, -2], [1, 2])).toThrow(/expected\[1\] .* is -2/)
    expect(() => populationStabilityIndex([1, 2], [NaN, 2])).toThrow(/actual\[0\]/)
  })
})

describe('coarsen', () => {
  const h = { bounds: [0, 1, 5, 10], counts: [3, 4, 5, 6, 7], n: 25, sum: 123 }

  it('adds the finer buckets into the coarser ones and keeps n and sum', () => {
    expect(coarsen(h, [1, 10])).toEqual({ bounds: [1, 10], counts: [7, 11, 7], n: 25, sum: 123 })
    expect(coarsen(h, [5])).toEqual({ bounds: [5], counts: [12, 13], n: 25, sum: 123 })
    expect(coarsen(h, [])).toEqual({ bounds: [], counts: [25], n: 25, sum: 123 })
    expect(coarsen(h, h.bounds)).toEqual(h)
  })

  it('agrees with bucketing the values on the coarser bounds directly', () => {
    const values = [-3, 0, 0, 0.5, 1, 2, 7, 12, 40, 99, 250, 600, 1200, 4000, 9000, 30_000, 2e5]
    const fine = histogramOf(TELEMETRY_BOUNDS.expected, values)
    const direct = histogramOf(WIDGET_BEACON_BOUNDS.expected, values)
    expect(coarsen(fine, WIDGET_BEACON_BOUNDS.expected)).toEqual(direct)
  })

  it('refuses bounds that are not a subset, naming the first', () => {
    expect(() => coarsen(h, [1, 2])).toThrow(/bounds\[1\] \(2\) is not one of the histogram's/)
    expect(() => coarsen(h, [11])).toThrow(/bounds\[0\] \(11\)/)
    expect(() => coarsen(h, [5, 1])).toThrow(DriftInputError)
    expect(() => coarsen({ bounds: [1], counts: [1] }, [1])).toThrow(/one more entry/)
  })
})

describe('profileBounds', () => {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1)

  it('takes the deciles of the values by default', () => {
    expect(profileBounds(range(100))).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90])
    expect(profileBounds(range(100), 4)).toEqual([25, 50, 75])
    // each bucket then holds a tenth of the values
    expect(histogramOf(profileBounds(range(1000)), range(1000)).counts).toEqual(
      new Array(10).fill(100)
    )
  })

  it('makes one bound of a tie such as many zeros', () => {
    const values = [...new Array<number>(70).fill(0), ...range(30)]
    const bounds = profileBounds(values)
    expect(bounds).toEqual([0, 10, 20])
    expect(histogramOf(bounds, values).counts).toEqual([70, 10, 10, 10])
  })

  it('gives a constant feature one bound', () => {
    expect(profileBounds(new Float64Array(50).fill(3.5))).toEqual([3.5])
    expect(profileBounds([7])).toEqual([7])
  })

  it('is strictly increasing for any input, and leaves out what is not finite', () => {
    const values = [5, NaN, 1, Infinity, 1, 1, 2, -Infinity, 9, 9, 9, 9]
    const bounds = profileBounds(values, 16)
    for (let i = 1; i < bounds.length; i++) expect(bounds[i]).toBeGreaterThan(bounds[i - 1]!)
    expect(bounds).toEqual([1, 2, 5, 9])
  })

  it('names what is wrong with its input', () => {
    expect(() => profileBounds([])).toThrow(/no finite value/)
    expect(() => profileBounds([NaN])).toThrow(/no finite value/)
    expect(() => profileBounds([1, 2], 17)).toThrow(/bins must be a whole number from 2 to 16/)
    expect(() => profileBounds([1, 2], 1.5)).toThrow(DriftInputError)
  })
})
