// The stack's weight (core's stack.ts) when train.stack is validation: the network's share of the
// mean blended with btyd_value, picked on the validation rows by the network that has not seen
// them. (The default is a fixed 0.5: on the backtest the picked weight did no better; params.yaml.)
//
// The weight that errs least on one validation window is a noisy pick: RMSE there is mostly a
// handful of big customers, so the argmin jumped between 0 and 1 across stores and seeds (it moved
// the RMSE of a seed ensemble across seeds as much as the networks' own noise did). It is bagged
// instead (Breiman's bagging of an unstable choice): the mean of the argmins over bootstrap resamples
// of the rows. A weight that wins only on one or two customers then counts for the share of the
// resamples without them (about 37% each), and the pick moves smoothly with the predictions. (A
// Bayesian bootstrap's exponential weights keep every customer in every resample: one big customer
// still decided nearly all of them.)

import { Random } from '@fcv/core'

/** Bootstrap resamples of the validation rows. */
const BLEND_BOOTSTRAPS = 200
/** Candidate weights per resample: 0, 1/GRID, ..., 1. */
const GRID = 100

export interface BlendInputs {
  /** The network's expected values on the validation rows (major units). */
  network: ArrayLike<number>
  /** btyd_value on the same rows. */
  btyd: ArrayLike<number>
  /** The rows' actual spend. */
  label: ArrayLike<number>
}

/** Weighted sums from which the RMSE of every blend follows without another pass over the rows. */
interface Moments {
  y: number
  yy: number
  n: number
  b: number
  yn: number
  yb: number
  nn: number
  bb: number
  nb: number
  weight: number
}

function moments(x: BlendInputs, weights: ArrayLike<number> | null): Moments {
  const m: Moments = { y: 0, yy: 0, n: 0, b: 0, yn: 0, yb: 0, nn: 0, bb: 0, nb: 0, weight: 0 }
  for (let i = 0; i < x.label.length; i++) {
    const w = weights ? (weights[i] as number) : 1
    const y = x.label[i] as number
    const n = x.network[i] as number
    const b = Math.max(0, x.btyd[i] as number)
    m.weight += w
    m.y += w * y
    m.yy += w * y * y
    m.n += w * n
    m.b += w * b
    m.yn += w * y * n
    m.yb += w * y * b
    m.nn += w * n * n
    m.bb += w * b * b
    m.nb += w * n * b
  }
  return m
}

/**
 * Mean squared error of u = s (w n + (1 - w) b), s scaling the blend to the rows' actual total: the
 * level is the level adjustment's business, the weight is about who tells customers apart better.
 * Infinity where the blend's total is not positive.
 */
function blendMse(m: Moments, w: number): number {
  const total = w * m.n + (1 - w) * m.b
  if (!(total > 0)) return Number.POSITIVE_INFINITY
  const s = m.y / total
  const yu = w * m.yn + (1 - w) * m.yb
  const uu = w * w * m.nn + 2 * w * (1 - w) * m.nb + (1 - w) * (1 - w) * m.bb
  return (m.yy - 2 * s * yu + s * s * uu) / m.weight
}

/** The weight on the grid with the least MSE (the larger on ties: the network's, as before). */
function argminWeight(m: Moments): number {
  let best = { w: 1, mse: Number.POSITIVE_INFINITY }
  for (let k = GRID; k >= 0; k--) {
    const w = k / GRID
    const mse = blendMse(m, w)
    if (mse < best.mse) best = { w, mse }
  }
  return best.w
}

/** The RMSE of the blend with weight w on the rows, scaled to their total (what the pick minimises). */
export function blendRmse(x: BlendInputs, w: number): number {
  return Math.sqrt(Math.max(0, blendMse(moments(x, null), w)))
}

/**
 * The network's share in the blend: the mean over BLEND_BOOTSTRAPS bootstrap resamples of the rows
 * (seeded) of the weight that errs least, rounded to 0.01.
 */
export function baggedBlendWeight(x: BlendInputs, seed: number): number {
  const rows = x.label.length
  if (x.network.length !== rows || x.btyd.length !== rows) {
    throw new Error(
      `the blend needs one network value, btyd_value and label per row (${x.network.length}, ` +
        `${x.btyd.length} and ${rows})`
    )
  }
  if (rows === 0) throw new Error('the blend weight needs validation rows; there are none')
  const random = new Random(seed)
  const weights = new Float64Array(rows)
  let sum = 0
  for (let r = 0; r < BLEND_BOOTSTRAPS; r++) {
    weights.fill(0)
    for (let k = 0; k < rows; k++) {
      const j = random.int(rows)
      weights[j] = (weights[j] as number) + 1
    }
    sum += argminWeight(moments(x, weights))
  }
  return Math.round((sum / BLEND_BOOTSTRAPS) * 100) / 100
}
