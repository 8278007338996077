// Top-down seasonal calibration of the model's total. The network learns from training windows that
// lie in other seasons than the one it predicts (a spring forecast trained on autumn peaks), and it
// has no way to tell: features that would say the season are zero for early cutoffs (no history a
// year before) or identify the cutoff. So the total is set from the store's own history, seasonal-naive:
//   rho    = store spend in [t0 - 365 d, t0 - 365 d + H) / store spend in the H days before that
//            (last year's change from "the H days before the cutoff" to "the H days after")
//   target = the population's spend in [t0 - H, t0) x rho
//   scale  = target / sum of the network's predictions for the population at t0
// and the network distributes it over customers. Only data before t0 is read (the population's
// features at t0 are known at t0). The scale is folded into the head's mu bias (a lognormal scaled by s
// moves mu by log s), so the saved model is calibrated for the H days after t0 as it stands, and every
// runtime scores it alike. Skipped, with a reason, when the log lacks a year and a horizon of history.

import { DAY_MS } from '@fcv/core'
import type { LayersModel } from '@tensorflow/tfjs'
import type { FeatureTable } from '../features/read-table.ts'
import type { InterimColumns } from '../interim/index.ts'
import type { ModelMetadata } from './model-files.ts'
import { updateHeadBias } from './network.ts'
import { predictTable } from './predict.ts'
import type { TF } from './tf.ts'

/** One odd year must not move every prediction more than this factor either way. */
const MAX_SCALE = 3

export type SeasonalCalibration =
  | { applied: true; rho: number; target: number; predicted: number; scale: number }
  | { applied: false; reason: string }

/** rho and the population's recent spend, both in minor units, from transactions before t0. */
export function seasonalTarget(
  tx: InterimColumns,
  population: ReadonlySet<string>,
  t0: number,
  horizonDays: number
): { rho: number; recent: number } | { reason: string } {
  const h = horizonDays * DAY_MS
  const yearAgo = t0 - 365 * DAY_MS
  let first = Number.POSITIVE_INFINITY
  let after = 0 // [yearAgo, yearAgo + h)
  let before = 0 // [yearAgo - h, yearAgo)
  let recent = 0 // [t0 - h, t0), population only
  const inPopulation = tx.customerIds.map((id) => population.has(id))
  for (let i = 0; i < tx.length; i++) {
    const t = tx.timestamp[i] as number
    if (t >= t0) continue
    const a = tx.amountMinor[i] as number
    if (t < first) first = t
    if (t >= yearAgo && t < yearAgo + h) after += a
    else if (t >= yearAgo - h && t < yearAgo) before += a
    if (t >= t0 - h && inPopulation[tx.customer[i] as number]) recent += a
  }
  if (first > yearAgo - h) {
    return { reason: `the log starts less than 365 + ${horizonDays} days before the cutoff` }
  }
  if (!(before > 0 && after > 0 && recent > 0)) {
    return { reason: 'no positive spend in a comparison window' }
  }
  return { rho: after / before, recent }
}

export function calibrateSeason(
  tf: TF,
  model: LayersModel,
  metadata: ModelMetadata,
  population: FeatureTable,
  tx: InterimColumns,
  t0: number
): SeasonalCalibration {
  const horizon = metadata.featureSpec.horizonDays
  const found = seasonalTarget(tx, new Set(population.customerIds), t0, horizon)
  if ('reason' in found) return { applied: false, reason: found.reason }
  const target = (found.recent / 10 ** tx.currencyExponent) * found.rho
  const predicted = predictTable(tf, model, metadata, population).expected.reduce(
    (a, b) => a + b,
    0
  )
  if (!(predicted > 0)) return { applied: false, reason: 'the model predicts no spend at all' }
  const scale = Math.min(MAX_SCALE, Math.max(1 / MAX_SCALE, target / predicted))
  updateHeadBias(tf, model, (bias) => {
    bias[1] = (bias[1] as number) + Math.log(scale)
  })
  return { applied: true, rho: found.rho, target, predicted, scale }
}
