// BG/NBD x Gamma-Gamma: the probabilistic baseline for forward customer value (no discounting).
import { btydValue, rfmSummary, type BtydParams, type History, type RfmSummary } from '@fcv/core'
import { fitBgNbd, type BgNbdFit } from './bgnbd.ts'
import { fitGammaGamma, type GammaGammaFit } from './gamma-gamma.ts'

export { BtydFitError, type Convergence } from './errors.ts'
export { bgnbdLogLikelihood, fitBgNbd, type BgNbdFit } from './bgnbd.ts'
export {
  fitGammaGamma,
  gammaGammaLogLikelihood,
  MIN_REPEATERS,
  type GammaGammaFit,
} from './gamma-gamma.ts'

export interface BtydModel {
  readonly bgnbd: BgNbdFit
  readonly gammaGamma: GammaGammaFit
}

export interface BtydOptions {
  /** BG/NBD penalizer (lifetimes' penalizer_coef); default 0. */
  readonly penalizer?: number
}

/**
 * Fits BG/NBD on every summary and Gamma-Gamma on those with x > 0 and monetary > 0. Throws a
 * BtydFitError when either fit is impossible (fewer than MIN_REPEATERS repeaters) or does not
 * converge; the caller decides what to do without the baseline.
 */
export function fitBtyd(summaries: readonly RfmSummary[], options: BtydOptions = {}): BtydModel {
  const bgnbd = fitBgNbd(summaries, { penalizer: options.penalizer ?? 0 })
  const repeaters = summaries
    .filter((s) => s.x > 0 && s.monetary > 0)
    .map((s) => ({ x: s.x, m: s.monetary }))
  return { bgnbd, gammaGamma: fitGammaGamma(repeaters) }
}

/** The fitted parameters alone: what core's btydValue scores with. */
export function paramsOf(model: BtydModel): BtydParams {
  return { bgnbd: model.bgnbd.params, gammaGamma: model.gammaGamma.params }
}

/** E[X(horizonDays) | x, t_x, T] x E[M | x, m], in minor units. */
export function predictValue(model: BtydModel, summary: RfmSummary, horizonDays: number): number {
  return btydValue(paramsOf(model), summary, horizonDays)
}

/**
 * Fits on the pre-t0 summaries of all `histories` and predicts each one's value over the next
 * `horizonDays`; undefined for a history with no purchase before t0 (not in the population).
 */
export function btydBaseline(
  histories: readonly History[],
  t0: number,
  horizonDays: number,
  options: BtydOptions = {}
): (number | undefined)[] {
  const summaries = histories.map((h) => rfmSummary(h, t0))
  const model = fitBtyd(
    summaries.filter((s) => s !== undefined),
    options
  )
  return summaries.map((s) => (s === undefined ? undefined : predictValue(model, s, horizonDays)))
}
