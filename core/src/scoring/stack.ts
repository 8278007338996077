// Stacking with the BG/NBD x Gamma-Gamma prediction every runtime already computes (the btyd_value
// feature): a model may blend its network's mean with it,
//   mean = w x network mean + (1 - w) x btydScale x btyd_value,
// because the structural model follows a population's decay and growth where the network carries
// the level of the windows it was trained on, and the blend ranks and errs less than either alone
// (the trainer's train.stack: 0.5 by default, or w picked on the validation split). The blend moves
// mu only (a lognormal's mean scales with exp(mu)), so P(buy) and sigma stay the network's and the
// quantiles stay those of one ZILN.
// btydScale is the level adjustment the trainer folded into the head's mu bias, applied to the
// structural part too.

import { zilnMean, zilnParams, type ZilnClamps } from '../model/ziln.ts'
import { log } from '../portable-math.ts'

export interface Stack {
  /** w: the network's share of the mean, in [0, 1]. */
  networkWeight: number
  /** Multiplies btyd_value (major units) before the blend. */
  btydScale: number
}

/**
 * The head outputs of `rows` rows with each mu moved so the mean is the blend (into `out`, which
 * may be `logits`). `btyd`: each row's btyd_value. A blend that is not positive (a network mean of 0)
 * leaves the row as it is.
 */
export function stackLogits(
  logits: ArrayLike<number>,
  rows: number,
  clamps: ZilnClamps,
  stack: Stack,
  btyd: ArrayLike<number>,
  out: Float64Array
): void {
  const w = stack.networkWeight
  for (let i = 0; i < rows; i++) {
    const z0 = logits[3 * i] as number
    const z1 = logits[3 * i + 1] as number
    const z2 = logits[3 * i + 2] as number
    const m = zilnMean(zilnParams(z0, z1, z2, clamps.maxSigma), clamps.maxLogValue)
    const b = Math.max(0, btyd[i] as number) * stack.btydScale
    const blend = w * m + (1 - w) * b
    out[3 * i] = z0
    out[3 * i + 1] = m > 0 && blend > 0 ? z1 + log(blend / m) : z1
    out[3 * i + 2] = z2
  }
}
