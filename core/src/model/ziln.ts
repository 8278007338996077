// The zero-inflated lognormal (ZILN) head, as scored by every runtime (Wang, Liu & Miao 2019; google/
// lifetime_value zero_inflated_lognormal.py). A model emits three logits per customer:
//   p = sigmoid(z0)                         probability of any purchase in the horizon
//   mu = z1, sigma = max(softplus(z2), SIGMA_FLOOR)   lognormal of the amount, given a purchase
// The expected value is p * exp(mu + sigma^2 / 2); quantiles follow from the mixture.
// exp and log1p are portable-math's, not Math's: workerd's Math.exp differs from Node's in the last
// bit for some arguments, and a prediction must be the same float64 in the trainer, `fcv score`,
// the edge and the widget (edge-worker/integration/score-parity.test.ts found a P90 one ulp apart).

import { exp, log1p } from '../portable-math.ts'
import { normalQuantile } from './normal-quantile.ts'

/** sqrt(Keras epsilon 1e-7): the floor Google's loss puts under sigma. */
export const SIGMA_FLOOR = Math.sqrt(1e-7)

export interface ZilnParams {
  /** Probability of a purchase in the horizon. */
  p: number
  mu: number
  sigma: number
}

export interface ZilnPrediction {
  /** Expected value over the horizon, major currency units. */
  expected: number
  pBuy: number
  p10: number
  p50: number
  p90: number
}

/** softplus(x) = log(1 + e^x), without overflow for large x or lost precision for small. */
export function softplus(x: number): number {
  return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x))
}

/** The inverse of softplus, for initialising a bias to give a wanted sigma. */
export function softplusInverse(y: number): number {
  if (!(y > 0)) throw new RangeError(`softplusInverse: ${y} is not positive`)
  return y > 30 ? y : Math.log(Math.expm1(y))
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
}

/**
 * The mixture's parameters. `maxSigma` caps sigma: the trainer stores the spread of log(spend) over
 * all training buyers, as no customer's conditional spread is credibly wider than the population's,
 * and an unusual customer (one huge order, then returns) otherwise gets a sigma whose exp(sigma^2/2)
 * multiplies the mean a hundredfold.
 */
export function zilnParams(z0: number, z1: number, z2: number, maxSigma = Infinity): ZilnParams {
  return { p: sigmoid(z0), mu: z1, sigma: Math.min(Math.max(softplus(z2), SIGMA_FLOOR), maxSigma) }
}

/**
 * The q-quantile of the mixture: 0 while q <= P(no purchase), else the lognormal's quantile at the
 * remaining probability. `maxLogValue` caps log(value), as for the mean.
 */
export function zilnQuantile(q: number, z: ZilnParams, maxLogValue = Infinity): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`zilnQuantile: q = ${q} is not in [0, 1]`)
  const zeroMass = 1 - z.p
  if (q <= zeroMass || z.p <= 0) return 0
  const inner = Math.min((q - zeroMass) / z.p, 1)
  return exp(Math.min(z.mu + z.sigma * normalQuantile(inner), maxLogValue))
}

/** The clamps a model carries (the trainer stores them with it). */
export interface ZilnClamps {
  /** Cap on mu + sigma^2/2 and on the quantiles' logs (google/lifetime_value#16). */
  maxLogValue?: number
  /** Cap on sigma (zilnParams). */
  maxSigma?: number
}

/** The mixture's mean p exp(mu + sigma^2/2), its log capped at maxLogValue: a prediction's value. */
export function zilnMean(z: ZilnParams, maxLogValue = Infinity): number {
  return z.p * exp(Math.min(z.mu + (z.sigma * z.sigma) / 2, maxLogValue))
}

/**
 * The variance of the value a prediction describes: 0 with probability 1 - p, else the lognormal,
 * whose mean is capped as zilnPredict caps `expected` (mu lowered until mu + sigma^2/2 <=
 * maxLogValue). With that mean m = p exp(mu + sigma^2/2), E[V^2] = p exp(2 mu + 2 sigma^2) =
 * m^2 e^{sigma^2} / p, so Var = m^2 (e^{sigma^2} / p - 1). What a sum over customers needs for
 * its spread, which a prediction's quantiles do not give.
 */
export function zilnVariance(z: ZilnParams, maxLogValue = Infinity): number {
  if (!(z.p > 0)) return 0
  const mean = zilnMean(z, maxLogValue)
  return mean * mean * (exp(z.sigma * z.sigma) / z.p - 1)
}

/** What a prediction reports from the head's logits, within the model's clamps. */
export function zilnPredict(
  z0: number,
  z1: number,
  z2: number,
  clamps: ZilnClamps = {}
): ZilnPrediction {
  const maxLogValue = clamps.maxLogValue ?? Infinity
  const z = zilnParams(z0, z1, z2, clamps.maxSigma)
  return {
    expected: zilnMean(z, maxLogValue),
    pBuy: z.p,
    p10: zilnQuantile(0.1, z, maxLogValue),
    p50: zilnQuantile(0.5, z, maxLogValue),
    p90: zilnQuantile(0.9, z, maxLogValue),
  }
}
