// BG/NBD (Fader, Hardie & Lee 2005), with the likelihood and the conditional expectations written as
// `lifetimes`' BetaGeoFitter computes them.
import betaln from '@stdlib/math-base-special-betaln'
import gammaln from '@stdlib/math-base-special-gammaln'
import { CompensatedSum } from './compensated-sum.ts'
import { BtydFitError, checkedConvergence, type Convergence } from './errors.ts'
import { minimize } from './minimize.ts'
import { validateRow, type BgNbdParams, type BgNbdRow } from '@fcv/core'

export interface BgNbdFitOptions {
  /** One weight per row (a count of identical customers, say); default 1. */
  readonly weights?: ArrayLike<number>
  /** lifetimes' penalizer_coef: adds coef * (r² + alpha² + a² + b²) to the mean negative LL. */
  readonly penalizer?: number
}

export interface BgNbdFit {
  readonly params: BgNbdParams
  /** Total (weighted) log-likelihood at the estimate, without the penalty, in the input's time unit. */
  readonly logLikelihood: number
  readonly convergence: Convergence
}

/** log L(r, alpha, a, b | x, t_x, T) of one customer. */
export function bgnbdLogLikelihood(params: BgNbdParams, row: BgNbdRow): number {
  validateRow(row, 0)
  const { r, alpha, a, b } = params
  const { x, tx, T } = row
  return (
    gammaln(r + x) -
    gammaln(r) +
    r * Math.log(alpha) +
    betaln(a, b + x) -
    betaln(a, b) +
    logAliveOrDropped(params, x, Math.log(alpha + tx), Math.log(alpha + T))
  )
}

/**
 * log of [ (alpha+T)^-(r+x) + 1{x>0} a/(b+x-1) (alpha+t_x)^-(r+x) ]: still alive at T, or dropped
 * out right after the last purchase. A log-sum-exp, since either term can underflow alone.
 */
function logAliveOrDropped(
  p: BgNbdParams,
  x: number,
  logAlphaTx: number,
  logAlphaT: number
): number {
  const alive = -(p.r + x) * logAlphaT
  if (x === 0) return alive
  const dropped = Math.log(p.a / (p.b + x - 1)) - (p.r + x) * logAlphaTx
  const top = Math.max(alive, dropped)
  return top + Math.log1p(Math.exp(-Math.abs(alive - dropped)))
}

/** Identical (x, t_x, T) rows merged with summed weights: the fit's cost follows distinct rows. */
export interface GroupedRows {
  readonly x: Float64Array
  readonly tx: Float64Array
  readonly T: Float64Array
  readonly weight: Float64Array
  /** Distinct x values and their summed weights: the gamma-function terms depend on x alone. */
  readonly distinctX: Float64Array
  readonly weightOfX: Float64Array
  readonly totalWeight: number
}

export function groupRows(rows: readonly BgNbdRow[], weights?: ArrayLike<number>): GroupedRows {
  if (weights !== undefined && weights.length !== rows.length) {
    throw new RangeError(`BG/NBD: ${weights.length} weights for ${rows.length} rows`)
  }
  const byKey = new Map<string, number>()
  const keys: BgNbdRow[] = []
  const summed: number[] = []
  rows.forEach((row, i) => {
    validateRow(row, i)
    const w = weights === undefined ? 1 : (weights[i] as number)
    if (!(Number.isFinite(w) && w >= 0)) {
      throw new RangeError(`BG/NBD row ${i}: weight ${w} must be finite and >= 0`)
    }
    if (w === 0) return
    const key = `${row.x},${row.tx},${row.T}`
    const k = byKey.get(key)
    if (k === undefined) {
      byKey.set(key, keys.length)
      keys.push(row)
      summed.push(w)
    } else {
      summed[k]! += w
    }
  })
  const perX = new Map<number, number>()
  keys.forEach((row, k) => perX.set(row.x, (perX.get(row.x) ?? 0) + (summed[k] as number)))
  return {
    x: Float64Array.from(keys, (row) => row.x),
    tx: Float64Array.from(keys, (row) => row.tx),
    T: Float64Array.from(keys, (row) => row.T),
    weight: Float64Array.from(summed),
    distinctX: Float64Array.from(perX.keys()),
    weightOfX: Float64Array.from(perX.values()),
    totalWeight: summed.reduce((s, w) => s + w, 0),
  }
}

/** Total weighted log-likelihood of grouped rows. */
export function groupedLogLikelihood(params: BgNbdParams, g: GroupedRows): number {
  const { r, alpha, a, b } = params
  const ll = new CompensatedSum()
  ll.add(g.totalWeight * (r * Math.log(alpha) - gammaln(r) - betaln(a, b)))
  for (let k = 0; k < g.distinctX.length; k++) {
    const x = g.distinctX[k] as number
    ll.add((g.weightOfX[k] as number) * (gammaln(r + x) + betaln(a, b + x)))
  }
  for (let i = 0; i < g.x.length; i++) {
    const logAlphaTx = Math.log(alpha + (g.tx[i] as number))
    const logAlphaT = Math.log(alpha + (g.T[i] as number))
    ll.add(
      (g.weight[i] as number) * logAliveOrDropped(params, g.x[i] as number, logAlphaTx, logAlphaT)
    )
  }
  return ll.value
}

/** Log-parameters beyond this are a runaway fit (exp() overflow ahead), not an estimate. */
const MAX_LOG_PARAM = 30

export function fitBgNbd(rows: readonly BgNbdRow[], options: BgNbdFitOptions = {}): BgNbdFit {
  const penalizer = options.penalizer ?? 0
  if (!(Number.isFinite(penalizer) && penalizer >= 0)) {
    throw new RangeError(`BG/NBD: penalizer ${penalizer} must be finite and >= 0`)
  }
  const g = groupRows(rows, options.weights)
  if (g.totalWeight === 0) throw new BtydFitError('BG/NBD: no customers to fit')
  // Without a repeat purchase the likelihood only grows as r/alpha -> 0 and says nothing of (a, b):
  // there is no estimate, although a flat objective would pass for converged.
  if (!g.x.some((x, i) => x > 0 && (g.weight[i] as number) > 0)) {
    throw new BtydFitError('BG/NBD cannot be fitted: no customer has a repeat purchase')
  }
  // As lifetimes does, fit on time rescaled so that max T = 10: alpha starts near 1 whatever the
  // unit, and the penalty applies to the rescaled alpha, as there.
  const scale = 10 / g.T.reduce((m, t) => Math.max(m, t), 0)
  const scaled: GroupedRows = { ...g, tx: g.tx.map((t) => t * scale), T: g.T.map((t) => t * scale) }
  const objective = (theta: readonly number[]): number => {
    if (theta.some((v) => Math.abs(v) > MAX_LOG_PARAM)) return Number.POSITIVE_INFINITY
    const p = fromLog(theta)
    const penalty = penalizer * (p.r ** 2 + p.alpha ** 2 + p.a ** 2 + p.b ** 2)
    return -groupedLogLikelihood(p, scaled) / g.totalWeight + penalty
  }
  const run = minimize(objective, [0, 0, 0, 0])
  const estimate = fromLog(run.x)
  const params = { ...estimate, alpha: estimate.alpha / scale }
  const convergence = checkedConvergence('BG/NBD', run, params)
  return { params, logLikelihood: groupedLogLikelihood(params, g), convergence }
}

function fromLog(theta: readonly number[]): BgNbdParams {
  const [r, alpha, a, b] = theta.map(Math.exp) as [number, number, number, number]
  return { r, alpha, a, b }
}
