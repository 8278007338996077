// Metrics that look at each customer on their own: errors in currency, R², aggregate calibration,
// the zero share, and the log1p figures the seed repository reported.

import { checkPair, checkValues } from './validate.ts'

/** Mean absolute error, (1/n) Σ|ŷ − y|, in currency. */
export function mae(y: ArrayLike<number>, yhat: ArrayLike<number>): number {
  checkPair('mae', y, yhat)
  let s = 0
  for (let i = 0; i < y.length; i++) s += Math.abs((yhat[i] as number) - (y[i] as number))
  return s / y.length
}

/** Root mean squared error, sqrt((1/n) Σ(ŷ − y)²), in currency. */
export function rmse(y: ArrayLike<number>, yhat: ArrayLike<number>): number {
  checkPair('rmse', y, yhat)
  return Math.sqrt(sse(y, yhat) / y.length)
}

/**
 * Coefficient of determination, 1 − SSE/SST with SST = Σ(y − ȳ)². When y is constant (SST = 0) it
 * is 1 for a perfect prediction and 0 otherwise (scikit-learn's `force_finite` convention), so it is
 * always finite.
 */
export function r2(y: ArrayLike<number>, yhat: ArrayLike<number>): number {
  checkPair('r2', y, yhat)
  return r2Unchecked(y, yhat)
}

/** Aggregate calibration Σŷ / Σy (target 1 ± 0.1); NaN when Σy = 0. */
export function sumRatio(y: ArrayLike<number>, yhat: ArrayLike<number>): number {
  checkPair('sumRatio', y, yhat)
  let sy = 0
  let sp = 0
  for (let i = 0; i < y.length; i++) {
    sy += y[i] as number
    sp += yhat[i] as number
  }
  return sy > 0 ? sp / sy : Number.NaN
}

/** Share of customers with y = 0. */
export function zeroShare(y: ArrayLike<number>): number {
  checkValues('zeroShare', 'y', y, true)
  let zeros = 0
  for (let i = 0; i < y.length; i++) if (y[i] === 0) zeros++
  return zeros / y.length
}

/**
 * R² of log1p(ŷ) against log1p(y) over customers with y > 0 (comparable with the seed's 0.445).
 * NaN when nobody bought. Same SST = 0 convention as `r2`.
 */
export function r2Log1p(y: ArrayLike<number>, yhat: ArrayLike<number>): number {
  checkPair('r2Log1p', y, yhat)
  return log1pBuyers('r2Log1p', y, yhat).r2
}

/** RMSE of log1p(ŷ) against log1p(y) over customers with y > 0 (the seed's RMSE_log); NaN when nobody bought. */
export function rmseLog1p(y: ArrayLike<number>, yhat: ArrayLike<number>): number {
  checkPair('rmseLog1p', y, yhat)
  return log1pBuyers('rmseLog1p', y, yhat).rmse
}

/** Both log1p figures in one pass, for validated input; ŷ of a buyer must be > −1. */
export function log1pBuyers(
  fn: string,
  y: ArrayLike<number>,
  yhat: ArrayLike<number>
): { r2: number; rmse: number } {
  // Sums around the first buyer's log1p(y), so SST does not cancel catastrophically.
  let buyers = 0
  let shift = Number.NaN
  let sd = 0
  let sdd = 0
  let see = 0
  for (let i = 0; i < y.length; i++) {
    const v = y[i] as number
    if (!(v > 0)) continue
    const p = yhat[i] as number
    if (!(p > -1)) throw new RangeError(`${fn}: yhat[${i}] = ${p} has no log1p (must be > -1)`)
    const ly = Math.log1p(v)
    if (buyers === 0) shift = ly
    const d = ly - shift
    const e = Math.log1p(p) - ly
    buyers++
    sd += d
    sdd += d * d
    see += e * e
  }
  if (buyers === 0) return { r2: Number.NaN, rmse: Number.NaN }
  const sst = Math.max(0, sdd - (sd * sd) / buyers)
  return { r2: sst === 0 ? (see === 0 ? 1 : 0) : 1 - see / sst, rmse: Math.sqrt(see / buyers) }
}

function sse(y: ArrayLike<number>, yhat: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < y.length; i++) {
    const e = (yhat[i] as number) - (y[i] as number)
    s += e * e
  }
  return s
}

/** R² without input checks, for callers that have already validated. */
export function r2Unchecked(y: ArrayLike<number>, yhat: ArrayLike<number>): number {
  const n = y.length
  let mean = 0
  for (let i = 0; i < n; i++) mean += y[i] as number
  mean /= n
  let sst = 0
  for (let i = 0; i < n; i++) {
    const d = (y[i] as number) - mean
    sst += d * d
  }
  const e = sse(y, yhat)
  if (sst === 0) return e === 0 ? 1 : 0
  return 1 - e / sst
}
