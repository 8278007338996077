// Parity of two forward passes of one model (the interpreter and tfjs, Node and workerd, ...) judged
// through the predictions they lead to. The tests here and in the trainer use it; the edge worker's
// tests in workerd can too.

import { zilnPredict, type ZilnClamps } from '../model/ziln.ts'
import { zilnColumns, zilnPredictRows, type ZilnColumns } from './head.ts'

/** The largest |a[i] - b[i]|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`)
  let max = 0
  for (let i = 0; i < a.length; i++)
    max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)))
  return max
}

/** The largest |a - b| / max(|a|, |b|) (0 where both are 0). */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`)
  let max = 0
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number
    const y = b[i] as number
    const scale = Math.max(Math.abs(x), Math.abs(y))
    if (scale > 0) max = Math.max(max, Math.abs(x - y) / scale)
  }
  return max
}

const COLUMNS = ['expected', 'pBuy', 'p10', 'p50', 'p90'] as const

/**
 * sum over the three logits of |d log v / d z_k| for one prediction column at z: how far a change in
 * the head's outputs moves it. Large where a quantile sits next to the mixture's zero mass (pBuy near
 * 1 - q); Infinity when that boundary is within reach.
 */
export function logCondition(
  z: readonly [number, number, number],
  clamps: ZilnClamps,
  column: (typeof COLUMNS)[number]
): number {
  const h = 1e-4
  let sum = 0
  for (let k = 0; k < 3; k++) {
    const up = [...z] as [number, number, number]
    const down = [...z] as [number, number, number]
    up[k] = (z[k] as number) + h
    down[k] = (z[k] as number) - h
    const a = zilnPredict(...up, clamps)[column]
    const b = zilnPredict(...down, clamps)[column]
    if (!(a > 0 && b > 0)) return a === b ? sum : Number.POSITIVE_INFINITY
    sum += Math.abs(Math.log(a) - Math.log(b)) / (2 * h)
  }
  return sum
}

export interface PredictionParity {
  /** Largest |head output difference|. */
  headMaxAbs: number
  /** Per column, the largest relative difference above `tolerance` that the logits' difference does not explain (0: none). */
  unexplained: Record<(typeof COLUMNS)[number], number>
  /** Values off by more than `tolerance` only as far as their conditioning explains. */
  illConditioned: number
  /** The predictions from `got` logits. */
  got: ZilnColumns
}

/**
 * Compares the predictions two forward passes give (rows x 3 logits each) through the same head
 * arithmetic. Every value must agree to `tolerance` relative, or, for an ill-conditioned quantile,
 * to twice its condition number times the logits' difference: float32 rounding in the network changes a
 * logit by ~1e-7, which a quantile next to its zero mass multiplies past 1e-5 (with any engine).
 */
export function predictionParity(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rows: number,
  clamps: ZilnClamps,
  tolerance = 1e-5
): PredictionParity {
  const a = zilnColumns(rows)
  const b = zilnColumns(rows)
  zilnPredictRows(got, rows, clamps, a)
  zilnPredictRows(want, rows, clamps, b)
  const unexplained = { expected: 0, pBuy: 0, p10: 0, p50: 0, p90: 0 }
  let illConditioned = 0
  for (let i = 0; i < rows; i++) {
    const z = [want[3 * i], want[3 * i + 1], want[3 * i + 2]] as [number, number, number]
    let dz = 0
    for (let k = 0; k < 3; k++) {
      dz = Math.max(dz, Math.abs((got[3 * i + k] as number) - (want[3 * i + k] as number)))
    }
    for (const column of COLUMNS) {
      const x = a[column][i] as number
      const y = b[column][i] as number
      const scale = Math.max(Math.abs(x), Math.abs(y))
      const rel = scale > 0 ? Math.abs(x - y) / scale : 0
      if (rel <= tolerance) continue
      if (rel <= 2 * logCondition(z, clamps, column) * dz) illConditioned++
      else unexplained[column] = Math.max(unexplained[column], rel)
    }
  }
  return { headMaxAbs: maxAbsDiff(got, want), unexplained, illConditioned, got: a }
}
