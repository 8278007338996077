// Gamma-Gamma model of spend per transaction (Fader & Hardie, note 025), written as `lifetimes`'
// GammaGammaFitter computes it.
import gammaln from '@stdlib/math-base-special-gammaln'
import { CompensatedSum } from './compensated-sum.ts'
import { BtydFitError, checkedConvergence, type Convergence } from './errors.ts'
import { minimize } from './minimize.ts'
import type { GammaGammaParams } from '@fcv/core'

/** One repeat customer: x > 0 repeat transactions with mean value m > 0. */
export interface GammaGammaRow {
  readonly x: number
  readonly m: number
}

export interface GammaGammaFit {
  readonly params: GammaGammaParams
  /** Total (weighted) log-likelihood at the estimate. */
  readonly logLikelihood: number
  readonly customers: number
  readonly convergence: Convergence
}

/** Fewer repeat customers than this cannot pin down three parameters. */
export const MIN_REPEATERS = 10

function validateRow(row: GammaGammaRow, index: number): void {
  const where = `Gamma-Gamma row ${index} (x=${row.x}, m=${row.m})`
  if (!(Number.isInteger(row.x) && row.x > 0)) {
    throw new RangeError(`${where}: x must be a whole number > 0`)
  }
  if (!(Number.isFinite(row.m) && row.m > 0))
    throw new RangeError(`${where}: m must be finite, > 0`)
}

/** log L(p, q, v | x, m) of one customer: the density of the mean m of x gamma(p, nu) values. */
export function gammaGammaLogLikelihood(params: GammaGammaParams, row: GammaGammaRow): number {
  validateRow(row, 0)
  const { p, q, v } = params
  const { x, m } = row
  const px = p * x
  return (
    gammaln(px + q) -
    gammaln(px) -
    gammaln(q) +
    q * Math.log(v) +
    (px - 1) * Math.log(m) +
    px * Math.log(x) -
    (px + q) * Math.log(x * m + v)
  )
}

/**
 * The data reduced to what the likelihood needs. The gamma-function terms depend on x alone, and per
 * row q log v + p x log x + (p x - 1) log m - (p x + q) log(x m + v) regroups as
 * q log(v / (x m + v)) + p x log(x m / (x m + v)) - log m: one log per evaluation, and terms of
 * moderate size.
 */
interface Reduced {
  readonly x: Float64Array
  readonly xm: Float64Array
  readonly logXm: Float64Array
  readonly weight: Float64Array
  readonly distinctX: Float64Array
  readonly weightOfX: Float64Array
  readonly totalWeight: number
  /** Sum of w log m. */
  readonly logM: number
}

function reduce(rows: readonly GammaGammaRow[], weights?: ArrayLike<number>): Reduced {
  if (weights !== undefined && weights.length !== rows.length) {
    throw new RangeError(`Gamma-Gamma: ${weights.length} weights for ${rows.length} rows`)
  }
  const perX = new Map<number, number>()
  const logM = new CompensatedSum()
  let totalWeight = 0
  const weight = new Float64Array(rows.length)
  rows.forEach((row, i) => {
    validateRow(row, i)
    const w = weights === undefined ? 1 : (weights[i] as number)
    if (!(Number.isFinite(w) && w >= 0)) {
      throw new RangeError(`Gamma-Gamma row ${i}: weight ${w} must be finite and >= 0`)
    }
    weight[i] = w
    perX.set(row.x, (perX.get(row.x) ?? 0) + w)
    logM.add(w * Math.log(row.m))
    totalWeight += w
  })
  const xm = Float64Array.from(rows, (row) => row.x * row.m)
  return {
    x: Float64Array.from(rows, (row) => row.x),
    xm,
    logXm: xm.map(Math.log),
    weight,
    distinctX: Float64Array.from(perX.keys()),
    weightOfX: Float64Array.from(perX.values()),
    totalWeight,
    logM: logM.value,
  }
}

function reducedLogLikelihood(params: GammaGammaParams, d: Reduced): number {
  const { p, q, v } = params
  const logV = Math.log(v)
  const ll = new CompensatedSum()
  ll.add(-d.totalWeight * gammaln(q) - d.logM)
  for (let k = 0; k < d.distinctX.length; k++) {
    const px = p * (d.distinctX[k] as number)
    ll.add((d.weightOfX[k] as number) * (gammaln(px + q) - gammaln(px)))
  }
  for (let i = 0; i < d.x.length; i++) {
    const logXmV = Math.log((d.xm[i] as number) + v)
    const px = p * (d.x[i] as number)
    ll.add((d.weight[i] as number) * (q * (logV - logXmV) + px * ((d.logXm[i] as number) - logXmV)))
  }
  return ll.value
}

const MAX_LOG_PARAM = 30

/** Maximum-likelihood (p, q, v) on rows with x > 0 and m > 0 (filter before calling). */
export function fitGammaGamma(
  rows: readonly GammaGammaRow[],
  weights?: ArrayLike<number>
): GammaGammaFit {
  const d = reduce(rows, weights)
  const customers = d.weight.reduce((n, w) => n + (w > 0 ? 1 : 0), 0)
  if (customers < MIN_REPEATERS) {
    throw new BtydFitError(
      `Gamma-Gamma needs at least ${MIN_REPEATERS} repeat customers with positive spend, got ${customers}`
    )
  }
  // Start at p = 1, q = 2, where the population mean p v / (q - 1) is v: v = the mean of m puts the
  // start at the right order of magnitude whatever the currency unit.
  let meanM = 0
  for (let i = 0; i < d.x.length; i++) {
    meanM += ((d.weight[i] as number) * (d.xm[i] as number)) / (d.x[i] as number) / d.totalWeight
  }
  const objective = (theta: readonly number[]): number => {
    if (theta.some((t) => Math.abs(t) > MAX_LOG_PARAM)) return Number.POSITIVE_INFINITY
    return -reducedLogLikelihood(fromLog(theta), d) / d.totalWeight
  }
  const run = minimize(objective, [0, Math.log(2), Math.log(meanM)])
  const params = fromLog(run.x)
  const convergence = checkedConvergence('Gamma-Gamma', run, params)
  if (!(params.q > 1)) {
    throw new BtydFitError(
      `Gamma-Gamma fit has q = ${params.q} <= 1: the population mean spend is infinite`,
      convergence
    )
  }
  return { params, logLikelihood: reducedLogLikelihood(params, d), customers, convergence }
}

function fromLog(theta: readonly number[]): GammaGammaParams {
  const [p, q, v] = theta.map(Math.exp) as [number, number, number]
  return { p, q, v }
}
