// The BG/NBD x Gamma-Gamma fit behind the btyd_value feature, one per cutoff: on the repeat-purchase
// summaries of every customer in the population at that cutoff, so a training row's btyd_value is
// what a model fitted at its cutoff would have said, and the test cutoff's fit is the one a model
// carries to serving. An unpenalised fit can fail on a small or odd population, or land on
// parameters whose expected purchases cannot be computed for some of the customers it was fitted
// on (a 2F1 series that overflows); lifetimes' ridge penalty (a little, then more) is tried before
// the stage gives up with the reason.

import { btydValue, type BtydParams, type RfmSummary } from '@fcv/core'
import { BtydFitError, fitBtyd, paramsOf } from '../baselines/btyd/index.ts'

/** Penalties tried in order (lifetimes' penalizer_coef). */
export const PENALIZERS = [0, 0.001, 0.01, 0.1] as const

export class BtydFeatureError extends Error {
  override name = 'BtydFeatureError'
}

export interface BtydCutoffFit {
  readonly params: BtydParams
  readonly penalizer: number
  readonly customers: number
}

/**
 * The fit at one cutoff; null when no customer has bought before it (there is nothing to score).
 * The summaries are put in one canonical order first, so the fit does not depend on the order
 * customers were read in (passes, shards).
 */
export function fitForFeature(
  summaries: readonly RfmSummary[],
  cutoff: string,
  horizonDays: number
): BtydCutoffFit | null {
  if (summaries.length === 0) return null
  summaries = [...summaries].sort(
    (a, b) => a.x - b.x || a.tx - b.tx || a.T - b.T || a.monetary - b.monetary
  )
  const reasons: string[] = []
  for (const penalizer of PENALIZERS) {
    try {
      const params = paramsOf(fitBtyd(summaries, { penalizer }))
      scoresEveryone(params, summaries, horizonDays)
      return { params, penalizer, customers: summaries.length }
    } catch (e) {
      if (!(e instanceof BtydFitError || e instanceof RangeError)) throw e
      reasons.push(`penalizer ${penalizer}: ${e.message}`)
    }
  }
  throw new BtydFeatureError(
    `cutoff ${cutoff}: the BG/NBD x Gamma-Gamma fit for btyd_value failed on ${summaries.length} ` +
      `customers (${reasons.join('; ')}); the log needs more repeat customers before this cutoff`
  )
}

/** Throws the RangeError of the first summary whose btyd_value `params` cannot compute. */
function scoresEveryone(
  params: BtydParams,
  summaries: readonly RfmSummary[],
  horizonDays: number
): void {
  let previous: RfmSummary | undefined
  for (const s of summaries) {
    // sorted: equal (x, t_x, T) are adjacent, and the value depends on nothing else that can fail
    if (previous && s.x === previous.x && s.tx === previous.tx && s.T === previous.T) continue
    btydValue(params, s, horizonDays)
    previous = s
  }
}
