// Decile calibration: customers split into 10 equal-size buckets by predicted rank.

import { sortDescending, type Sorted } from './order.ts'
import { checkPair } from './validate.ts'

export interface DecileRow {
  /** 1 = the tenth of customers with the highest ŷ. */
  decile: number
  count: number
  /** NaN for an empty bucket (only with fewer than 10 customers), as is mean_yhat. */
  mean_y: number
  mean_yhat: number
  /** |mean_yhat − mean_y| / mean_y; NaN when the bucket is empty or its mean_y is 0. */
  ape: number
}

export interface DecileMape {
  /** Mean of `ape` over the deciles that have one; NaN when none has. */
  mape: number
  /** The ten buckets, for the calibration chart. */
  deciles: DecileRow[]
}

/**
 * Mean over deciles of |mean ŷ_d − mean y_d| / mean y_d (Wang, Liu & Miao 2019), skipping deciles
 * with mean y_d = 0. Buckets are by rank of ŷ descending with ties broken by index, not by value
 * (pandas qcut fails on heavily tied predictions): decile d holds positions ⌊(d−1)n/10⌋ to
 * ⌊dn/10⌋ − 1, so sizes differ by at most one and, with fewer than 10 customers, some are empty.
 */
export function decileMape(y: ArrayLike<number>, yhat: ArrayLike<number>): DecileMape {
  checkPair('decileMape', y, yhat)
  return decilesFromSorted(sortDescending(yhat, y))
}

/** `byYhat` sorts ŷ with y as values. */
export function decilesFromSorted(byYhat: Sorted): DecileMape {
  const { keys, values } = byYhat
  const n = keys.length
  const deciles: DecileRow[] = []
  let sum = 0
  let used = 0
  for (let d = 0; d < 10; d++) {
    const from = Math.floor((d * n) / 10)
    const to = Math.floor(((d + 1) * n) / 10)
    let sy = 0
    let sp = 0
    for (let k = from; k < to; k++) {
      sy += values[k] as number
      sp += keys[k] as number
    }
    const count = to - from
    const meanY = count > 0 ? sy / count : Number.NaN
    const meanYhat = count > 0 ? sp / count : Number.NaN
    const ape = meanY > 0 ? Math.abs(meanYhat - meanY) / meanY : Number.NaN
    if (meanY > 0) {
      sum += ape
      used++
    }
    deciles.push({ decile: d + 1, count, mean_y: meanY, mean_yhat: meanYhat, ape })
  }
  return { mape: used > 0 ? sum / used : Number.NaN, deciles }
}
