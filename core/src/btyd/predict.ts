// BG/NBD x Gamma-Gamma predictions from fitted parameters (the trainer fits them): the conditional
// expectations `lifetimes` computes, shared by the trainer's baseline and the btyd_value feature every
// runtime computes.

import { exp, expm1, log, log1p } from '../portable-math.ts'
import { hypergeometricTail } from './hyp2f1.ts'
import type { RfmSummary } from './rfm.ts'

export interface BgNbdParams {
  readonly r: number
  readonly alpha: number
  readonly a: number
  readonly b: number
}

/** One customer: x repeat purchases, the last at t_x, observed for T (one time unit throughout). */
export interface BgNbdRow {
  readonly x: number
  readonly tx: number
  readonly T: number
}

/** Throws a RangeError naming the row unless x is a whole number >= 0 and 0 <= t_x <= T, T > 0. */
export function validateRow(row: BgNbdRow, index: number): void {
  const { x, tx, T } = row
  const where = `BG/NBD row ${index} (x=${x}, t_x=${tx}, T=${T})`
  if (!(Number.isInteger(x) && x >= 0)) {
    throw new RangeError(`${where}: x must be a whole number >= 0`)
  }
  if (!(Number.isFinite(T) && T > 0)) throw new RangeError(`${where}: T must be finite and > 0`)
  if (!(tx >= 0 && tx <= T)) throw new RangeError(`${where}: t_x must be in [0, T]`)
  if (x === 0 && tx !== 0) throw new RangeError(`${where}: t_x must be 0 when x is 0`)
}

/**
 * log of a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x): the odds that the customer dropped out after the
 * last purchase rather than still being alive (lifetimes' log_div). -Infinity when x = 0.
 */
function logOddsDropped(params: BgNbdParams, row: BgNbdRow): number {
  const { r, alpha, a, b } = params
  const { x, tx, T } = row
  if (x === 0) return Number.NEGATIVE_INFINITY
  return log(a / (b + x - 1)) + (r + x) * (log(alpha + T) - log(alpha + tx))
}

/** P(alive at T | x, t_x, T). */
export function probabilityAlive(params: BgNbdParams, row: BgNbdRow): number {
  validateRow(row, 0)
  return 1 / (1 + exp(logOddsDropped(params, row)))
}

/**
 * E[X(t) | x, t_x, T], lifetimes' conditional_expected_number_of_purchases_up_to_time:
 *   (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)] P(alive)
 * with z = t/(alpha+T+t). By Euler's transformation (what lifetimes falls back to), with L = log(1-z),
 *   ((alpha+T)/(alpha+T+t))^(r+x) 2F1(...) = exp((a-1) L) 2F1(a+b-1-r, a-1; a+b+x-1; z),
 * a series whose parameters do not grow with x. Writing that 2F1 as 1 + (a-1) S, where S is its tail
 * with every term divided by a-1, gives
 *   [1 - ...]/(a-1) = -expm1((a-1) L)/(a-1) - exp((a-1) L) S,
 * which has no cancellation as t -> 0 and no 0/0 at a = 1.
 */
export function expectedPurchases(params: BgNbdParams, row: BgNbdRow, t: number): number {
  validateRow(row, 0)
  if (!(Number.isFinite(t) && t >= 0)) throw new RangeError(`E[X(t)]: t=${t} must be finite, >= 0`)
  if (t === 0) return 0
  const { r, alpha, a, b } = params
  const { x, T } = row
  const c = a + b + x - 1
  const z = t / (alpha + T + t)
  const logOneMinusZ = -log1p(t / (alpha + T)) // log((alpha+T)/(alpha+T+t)), exact as t -> 0
  const u = (a - 1) * logOneMinusZ
  const expm1OverA = u === 0 ? -logOneMinusZ : (expm1(u) / u) * -logOneMinusZ
  const A = a + b - 1 - r
  const tail = hypergeometricTail(A, a - 1, c, z, (A * z) / c)
  if (tail.logScale !== 0) {
    throw new RangeError(`E[X(t)]: the 2F1 series overflowed for x=${x}, T=${T}, t=${t}`)
  }
  const value = (c * (expm1OverA - exp(u) * tail.sum)) / (1 + exp(logOddsDropped(params, row)))
  if (!Number.isFinite(value)) {
    throw new RangeError(`E[X(t)] is not finite for x=${x}, T=${T}, t=${t}: check the parameters`)
  }
  return Math.max(0, value)
}

export interface GammaGammaParams {
  readonly p: number
  readonly q: number
  readonly v: number
}

/**
 * E[M | x, m] = (1 - w) p v / (q - 1) + w m with w = p x / (p x + q - 1). A customer with no repeat
 * purchase, or whose repeat days net to m <= 0 (returns), gets the population mean p v / (q - 1):
 * the model is only defined for positive spend.
 */
export function expectedSpend(params: GammaGammaParams, x: number, m: number): number {
  const { p, q, v } = params
  if (!(q > 1)) throw new RangeError(`E[M]: q = ${q} must be > 1`)
  if (!(Number.isInteger(x) && x >= 0))
    throw new RangeError(`E[M]: x=${x} must be a whole number >= 0`)
  if (!Number.isFinite(m)) throw new RangeError(`E[M]: m=${m} must be finite`)
  const populationMean = (p * v) / (q - 1)
  if (x === 0 || m <= 0) return populationMean
  const w = (p * x) / (p * x + q - 1)
  return (1 - w) * populationMean + w * m
}

/** Both models' parameters, in days and minor currency units. */
export interface BtydParams {
  readonly bgnbd: BgNbdParams
  readonly gammaGamma: GammaGammaParams
}

/** E[X(horizonDays) | x, t_x, T] x E[M | x, m]: expected net spend over the horizon, minor units. */
export function btydValue(params: BtydParams, summary: RfmSummary, horizonDays: number): number {
  const purchases = expectedPurchases(params.bgnbd, summary, horizonDays)
  return purchases * expectedSpend(params.gammaGamma, summary.x, summary.monetary)
}
