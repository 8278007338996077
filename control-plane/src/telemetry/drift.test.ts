import {
  populationStabilityIndex,
  TELEMETRY_BOUNDS,
  WIDGET_BEACON_BOUNDS,
  type TrainingProfile,
} from '@fcv/core'
import { describe, expect, it } from 'vitest'
import { driftOf, type LiveHistogram } from './drift.ts'

const valueBounds = [...TELEMETRY_BOUNDS.expected]
const pBuyBounds = [...TELEMETRY_BOUNDS.pBuy]
const zeros = (n: number) => new Array<number>(n).fill(0)

// Training: recency spread over four buckets, predictions mostly in the low value buckets.
const valueCounts = zeros(valueBounds.length + 1)
valueCounts[0] = 50 // <= 0
valueCounts[2] = 30 // (1, 5]
valueCounts[4] = 20 // (10, 25]
const pBuyCounts = zeros(pBuyBounds.length + 1)
pBuyCounts[1] = 60
pBuyCounts[5] = 40
const profile: TrainingProfile = {
  cutoff: '2011-06-12',
  rows: 100,
  features: [
    { name: 'recency_days', bounds: [10, 30, 90], counts: [25, 25, 25, 25], n: 100, sum: 6000 },
  ],
  predicted: {
    value: { bounds: valueBounds, counts: valueCounts, n: 100, sum: 700 },
    pBuy: { bounds: pBuyBounds, counts: pBuyCounts, n: 100, sum: 30 },
  },
}

const live = (bounds: readonly number[], counts: number[], sum: number | null): LiveHistogram => ({
  bounds,
  counts,
  n: counts.reduce((a, b) => a + b, 0),
  sum,
})

describe('driftOf', () => {
  it('reads no drift where the live population is the training one', () => {
    const d = driftOf({
      channel: 'edge',
      modelVersion: '3',
      profile,
      features: new Map([['recency_days', live([10, 30, 90], [50, 50, 50, 50], 12_000)]]),
      value: live(
        valueBounds,
        valueCounts.map((c) => c * 2),
        1400
      ),
      pBuy: live(
        pBuyBounds,
        pBuyCounts.map((c) => c * 2),
        60
      ),
    })
    expect(d.observations).toBe(200)
    expect(d.profile).toEqual({ cutoff: '2011-06-12', rows: 100 })
    expect(d.features[0]).toMatchObject({ name: 'recency_days', psi: 0, liveN: 200 })
    expect(d.features[0]!.training).toEqual([0.25, 0.25, 0.25, 0.25])
    expect(d.predictions).toEqual([
      { output: 'value', psi: 0, trainingMean: 7, liveMean: 7, meanRatio: 1 },
      { output: 'pbuy', psi: 0, trainingMean: 0.3, liveMean: 0.3, meanRatio: 1 },
    ])
  })

  it('reads a shifted population as drift, with the means it moved', () => {
    const shifted = valueCounts.map(() => 0)
    shifted[4] = 60
    shifted[6] = 40
    const d = driftOf({
      channel: 'edge',
      modelVersion: '3',
      profile,
      features: new Map([['recency_days', live([10, 30, 90], [0, 10, 30, 60], 15_000)]]),
      value: live(valueBounds, shifted, 4000),
      pBuy: null,
    })
    const recency = d.features[0]!
    expect(recency.psi).toBeCloseTo(populationStabilityIndex([25, 25, 25, 25], [0, 10, 30, 60]), 12)
    expect(recency.psi).toBeGreaterThan(0.2)
    const value = d.predictions[0]!
    expect(value.output).toBe('value')
    expect(value.psi).toBeGreaterThan(0.2)
    expect(value.meanRatio).toBeCloseTo(40 / 7, 12)
    expect(d.predictions).toHaveLength(1)
  })

  it('compares widget beacons on their coarser bounds, without means (they carry no sums)', () => {
    // The same predictions as training, bucketed as a widget does.
    const coarse = zeros(WIDGET_BEACON_BOUNDS.expected.length + 1)
    coarse[0] = 50 // <= 0
    coarse[1] = 30 // (0, 10]: the training's (1, 5]
    coarse[2] = 20 // (10, 50]: its (10, 25]
    const d = driftOf({
      channel: 'widget',
      modelVersion: '3',
      profile,
      features: new Map(),
      value: live(WIDGET_BEACON_BOUNDS.expected, coarse, null),
      pBuy: null,
    })
    expect(d.predictions[0]).toEqual({
      output: 'value',
      psi: 0,
      trainingMean: 7,
      liveMean: null,
      meanRatio: null,
    })
  })

  it('gives no PSI where the buckets cannot be matched or there is no profile', () => {
    const fixed = live(TELEMETRY_BOUNDS.feature, zeros(TELEMETRY_BOUNDS.feature.length + 1), 0)
    fixed.counts = fixed.counts.map((_, i) => (i === 3 ? 10 : 0))
    fixed.n = 10
    const withProfile = driftOf({
      channel: 'edge',
      modelVersion: '3',
      profile,
      // recency_days on the Worker's fixed bounds (a Worker from before profiles): not comparable.
      features: new Map([['recency_days', fixed]]),
      value: null,
      pBuy: null,
    })
    expect(withProfile.features[0]).toMatchObject({ psi: null, training: [], liveN: 10 })
    const without = driftOf({
      channel: 'edge',
      modelVersion: '1',
      profile: null,
      features: new Map([['recency_days', live([10, 30, 90], [1, 2, 3, 4], 10)]]),
      value: live(valueBounds, valueCounts, 700),
      pBuy: null,
    })
    expect(without.profile).toBeNull()
    expect(without.features[0]!.psi).toBeNull()
    expect(without.predictions[0]).toMatchObject({ psi: null, trainingMean: null, meanRatio: null })
    expect(without.observations).toBe(100)
  })
})
