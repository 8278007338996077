import { SIGMA_FLOOR, softplus } from '@fcv/core'
import { describe, expect, it } from 'vitest'
import { loadTensorFlow } from './backend.ts'
import { recencyWeights, rowWeights } from './index.ts'
import type { FeatureTable } from '../features/read-table.ts'
import { zilnLoss } from './ziln-loss.ts'

const { tf } = await loadTensorFlow({ backend: 'js' })

/** clv-modeling.md 6.1, one row, in plain arithmetic. */
function reference(y: number, z0: number, mu: number, z2: number): number {
  const t = y > 0 ? 1 : 0
  const bce = Math.max(z0, 0) - t * z0 + Math.log1p(Math.exp(-Math.abs(z0)))
  if (t === 0) return bce
  const s = Math.max(softplus(z2), SIGMA_FLOOR)
  const ly = Math.log(y)
  return bce + ly + Math.log(s) + 0.5 * Math.log(2 * Math.PI) + (ly - mu) ** 2 / (2 * s * s)
}

const rows: [number, number, number, number][] = [
  [0, 0.3, 2, 0.1],
  [12.5, -1.2, 2.4, 0.7],
  [480, 2.5, 5.9, -0.4],
  [0, -4, 1, -60], // sigma at its floor; a non-buyer's lognormal term is ignored
  [3, 8, 1.1, -60],
]

describe('zilnLoss', () => {
  it('is the ZILN negative log-likelihood of clv-modeling.md 6.1, averaged', () => {
    const yTrue = tf.tensor2d(rows.map((r) => [r[0]]))
    const yPred = tf.tensor2d(rows.map((r) => [r[1], r[2], r[3]]))
    const got = zilnLoss(tf)(yTrue, yPred).dataSync()[0]!
    const want = rows.reduce((a, r) => a + reference(...r), 0) / rows.length
    expect(got).toBeCloseTo(want, 3) // float32 inside TensorFlow
  })

  it('weighs rows by the second target column when the target is [n, 3]', () => {
    const weights = [0.5, 2, 1, 0.25, 1.25]
    const yTrue = tf.tensor2d(rows.map((r, i) => [r[0], weights[i]!, 0]))
    const yPred = tf.tensor2d(rows.map((r) => [r[1], r[2], r[3]]))
    const got = zilnLoss(tf)(yTrue, yPred).dataSync()[0]!
    const total = weights.reduce((a, b) => a + b, 0)
    const want = rows.reduce((a, r, i) => a + weights[i]! * reference(...r), 0) / total
    expect(got).toBeCloseTo(want, 3)
  })
})

describe('recencyWeights', () => {
  it('halves every half-life before the latest cutoff, with mean 1', () => {
    const day = 86_400_000
    const w = recencyWeights(Float64Array.from([0, 56 * day, 112 * day, 112 * day]), 56)
    // raw 0.25, 0.5, 1, 1 -> mean 0.6875
    expect(Array.from(w).map((x) => Number(x.toFixed(5)))).toEqual(
      [0.25, 0.5, 1, 1].map((x) => Number((x / 0.6875).toFixed(5)))
    )
  })
})

describe('rowWeights', () => {
  it('multiplies recency by (1 + log1p(365-day spend))^power, with mean 1', () => {
    const table = {
      rows: 2,
      cutoffs: Float64Array.from([0, 0]),
      numeric: { spend_365d: Float64Array.from([0, Math.E - 1]) },
    } as unknown as FeatureTable
    // (1 + 0)^2 = 1 and (1 + 1)^2 = 4 -> mean 2.5
    expect(Array.from(rowWeights(table, 56, 2))).toEqual([0.4, 1.6].map(Math.fround))
  })
})
