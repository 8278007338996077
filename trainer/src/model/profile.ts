// The training profile written into model.json (core's serving/training-profile.ts): what serving
// is compared with for drift. Its rows are the test cutoff's, the population closest to what
// serving sees: the model is calibrated for predictions as of the days after that cutoff, and its
// btyd_value is computed with the fit the model carries (the test cutoff's), so those rows' values
// are exactly what core's computeFeatures gives the Worker for a customer then. Labels are not read.

import {
  formatDay,
  histogramOf,
  profileBounds,
  TELEMETRY_BOUNDS,
  type FeatureSpec,
  type ProfileHistogram,
  type TrainingProfile,
} from '@fcv/core'
import type { FeatureTable } from '../features/read-table.ts'

/** Deciles: ten buckets of training customers per feature (ties such as zeros merge). */
export const PROFILE_BINS = 10

const histogram = (bounds: readonly number[], values: ArrayLike<number>): ProfileHistogram =>
  histogramOf(bounds, Array.from(values))

/**
 * The profile of `table`'s rows, which must all be at one cutoff, and of the model's predictions
 * on them (`predicted`, in row order): every numeric feature of the spec, bucketed by its own
 * quantiles; the predicted value and P(buy) on the Worker's fixed bounds.
 */
export function trainingProfile(
  spec: FeatureSpec,
  table: FeatureTable,
  predicted: { expected: ArrayLike<number>; pBuy: ArrayLike<number> }
): TrainingProfile {
  if (table.rows === 0) throw new Error('a training profile needs rows')
  const cutoff = table.cutoffs[0]!
  if (table.cutoffs.some((c) => c !== cutoff)) {
    throw new Error('a training profile is of the rows of one cutoff')
  }
  if (predicted.expected.length !== table.rows || predicted.pBuy.length !== table.rows) {
    throw new Error(`a training profile needs one prediction per row (${table.rows})`)
  }
  const features = spec.features
    .filter((f) => f.kind === 'numeric')
    .map((f) => {
      const values = table.numeric[f.name]
      if (!values) throw new Error(`the feature table has no column "${f.name}"`)
      return { name: f.name, ...histogram(profileBounds(values, PROFILE_BINS), values) }
    })
  return {
    cutoff: formatDay(cutoff),
    rows: table.rows,
    features,
    predicted: {
      value: histogram(TELEMETRY_BOUNDS.expected, predicted.expected),
      pBuy: histogram(TELEMETRY_BOUNDS.pBuy, predicted.pBuy),
    },
  }
}
