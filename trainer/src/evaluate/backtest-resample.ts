// How firm a case's verdict is. RMSE on a few thousand customers can turn on one or two of them (a
// wholesale buyer who spends 50,000 in the quarter), so a miss or a pass by a hair may say more
// about which customers happened to be in the log than about the model. The bar is applied again
// (backtest-bar.ts, unchanged) to resamples of the case's customers, drawn with replacement, every
// model and baseline scored on the same resample: the share of resamples on which each criterion
// holds. Near 0 or 1 the verdict is systematic; in between, the case is a coin the model may flip.

import { normalizedGini, Random, rmse, sumRatio } from '@fcv/core'
import { qualityBarOf, type BarMetrics } from './backtest-bar.ts'

export interface ScoredPredictions {
  name: string
  yhat: ArrayLike<number>
}

/** Shares (0-1) of the resamples on which each part of the bar held, and all of it. */
export interface BarConfidence {
  resamples: number
  seed: number
  gini: number
  rmse: number
  sum_ratio: number
  all: number
}

export const DEFAULT_RESAMPLES = 300

export function barUnderResampling(
  actual: ArrayLike<number>,
  models: readonly ScoredPredictions[],
  options: { resamples?: number; seed?: number } = {}
): BarConfidence {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES
  const seed = options.seed ?? 1
  const n = actual.length
  if (n === 0) throw new RangeError('barUnderResampling: the case has no customers')
  for (const m of models) {
    if (m.yhat.length !== n) {
      throw new RangeError(
        `barUnderResampling: ${m.name} has ${m.yhat.length} predictions for ${n} customers`
      )
    }
  }
  const random = new Random(seed)
  const pick = new Uint32Array(n)
  const y = new Float64Array(n)
  const yhat = new Float64Array(n)
  const held = { gini: 0, rmse: 0, sum_ratio: 0, all: 0 }
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) pick[i] = random.int(n)
    for (let i = 0; i < n; i++) y[i] = actual[pick[i] as number] as number
    const metrics: Record<string, BarMetrics> = {}
    for (const m of models) {
      for (let i = 0; i < n; i++) yhat[i] = m.yhat[pick[i] as number] as number
      metrics[m.name] = {
        gini: finiteOrNull(normalizedGini(y, yhat)),
        rmse: rmse(y, yhat),
        sum_ratio: finiteOrNull(sumRatio(y, yhat)),
      }
    }
    const bar = qualityBarOf(metrics)
    held.gini += Number(bar.gini.ok)
    held.rmse += Number(bar.rmse.ok)
    held.sum_ratio += Number(bar.sumRatio.ok)
    held.all += Number(bar.ok)
  }
  return {
    resamples,
    seed,
    gini: held.gini / resamples,
    rmse: held.rmse / resamples,
    sum_ratio: held.sum_ratio / resamples,
    all: held.all / resamples,
  }
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null
}
