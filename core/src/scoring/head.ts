// The ZILN head's outputs -> what a prediction reports, for a batch: the trainer's predictTable and
// the scorer both call this, so a row's prediction is computed by one piece of code everywhere.

import { zilnParams, zilnPredict, zilnVariance, type ZilnClamps } from '../model/ziln.ts'

/** Predictions in columns. */
export interface ZilnColumns {
  expected: Float64Array
  pBuy: Float64Array
  p10: Float64Array
  p50: Float64Array
  p90: Float64Array
}

export function zilnColumns(rows: number): ZilnColumns {
  return {
    expected: new Float64Array(rows),
    pBuy: new Float64Array(rows),
    p10: new Float64Array(rows),
    p50: new Float64Array(rows),
    p90: new Float64Array(rows),
  }
}

/**
 * Scores `rows` rows of head outputs (rows x 3, row-major: z0 buy logit, z1 mu, z2 sigma's softplus
 * argument) within the model's clamps, into out[offset, offset + rows).
 */
export function zilnPredictRows(
  logits: ArrayLike<number>,
  rows: number,
  clamps: ZilnClamps,
  out: ZilnColumns,
  offset = 0
): void {
  for (let i = 0; i < rows; i++) {
    const p = zilnPredict(
      logits[3 * i] as number,
      logits[3 * i + 1] as number,
      logits[3 * i + 2] as number,
      clamps
    )
    out.expected[offset + i] = p.expected
    out.pBuy[offset + i] = p.pBuy
    out.p10[offset + i] = p.p10
    out.p50[offset + i] = p.p50
    out.p90[offset + i] = p.p90
  }
}

/**
 * Each of `rows` rows' variance (core's zilnVariance: the distribution `expected` is the mean of,
 * within the same clamps) into out[offset, offset + rows), from the same head outputs.
 */
export function zilnVarianceRows(
  logits: ArrayLike<number>,
  rows: number,
  clamps: ZilnClamps,
  out: Float64Array,
  offset = 0
): void {
  for (let i = 0; i < rows; i++) {
    const z = zilnParams(
      logits[3 * i] as number,
      logits[3 * i + 1] as number,
      logits[3 * i + 2] as number,
      clamps.maxSigma
    )
    out[offset + i] = zilnVariance(z, clamps.maxLogValue)
  }
}
