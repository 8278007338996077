// Every evaluation metric for one set of predictions, from three sorts at most (by ŷ, by y, by pBuy).
// The metric keys are snake_case and stable: they are written to the DVC metrics JSON.

import { aucFromSorted } from './auc.ts'
import { decilesFromSorted, type DecileRow } from './deciles.ts'
import { sortDescending } from './order.ts'
import { log1pBuyers, mae, r2, rmse, sumRatio, zeroShare } from './pointwise.ts'
import {
  gainsFromSorted,
  giniFromSorted,
  spearmanFromSorted,
  topCaptureFromSorted,
  type GainsPoint,
} from './ranking.ts'
import { checkLength, checkPair, checkRange } from './validate.ts'

export interface RegressionMetrics {
  customers: number
  /** Customers with y > 0. */
  buyers: number
  zero_share: number
  mae: number
  rmse: number
  r2: number
  /** null when Σy = 0 or y is constant. */
  gini: number | null
  /** 0 when y or ŷ is constant. */
  spearman: number
  /** Share of Σy in the top 10% by ŷ; null when Σy = 0. */
  top10_capture: number | null
  top10_lift: number | null
  /** AUC of pBuy (or of ŷ when there is no pBuy) for y > 0; null when everyone or no one bought. */
  auc: number | null
  /** null when no decile has a positive mean y. */
  decile_mape: number | null
  /** Σŷ / Σy; null when Σy = 0. */
  sum_ratio: number | null
  /** Over buyers only (the seed's figures); null when there are none. */
  r2_log1p_buyers: number | null
  rmse_log1p_buyers: number | null
}

export interface RegressionInput {
  /** Labels, major currency units, >= 0. */
  y: ArrayLike<number>
  /** Predicted value, same units. */
  yhat: ArrayLike<number>
  /** Predicted probability of any purchase, in [0, 1], if the model has such a head. */
  pBuy?: ArrayLike<number>
  /** Points on the gains curve (default 101: every percent). */
  gainsPoints?: number
}

export interface RegressionEvaluation {
  metrics: RegressionMetrics
  /** What the AUC ranked by. */
  aucScore: 'pBuy' | 'yhat'
  /** The decile calibration table (decile 1 = highest ŷ). */
  deciles: DecileRow[]
  gains: GainsPoint[]
}

const TOP_FRACTION = 0.1

/**
 * All metrics for one set of predictions (definitions in the functions they come from). Undefined
 * values are null, never NaN, so the JSON is explicit; `formatMetric` shows them as "n/a".
 */
export function evaluateRegression(input: RegressionInput): RegressionEvaluation {
  const { y, yhat, pBuy, gainsPoints = 101 } = input
  const fn = 'evaluateRegression'
  checkPair(fn, y, yhat)
  if (pBuy !== undefined) {
    checkLength(fn, 'pBuy', pBuy, y)
    checkRange(fn, 'pBuy', pBuy, 0, 1)
  }
  if (!(Number.isInteger(gainsPoints) && gainsPoints >= 2)) {
    throw new RangeError(`${fn}: gainsPoints = ${gainsPoints} is not an integer >= 2`)
  }

  const byYhat = sortDescending(yhat, y)
  const byY = sortDescending(y)
  const byScore = pBuy === undefined ? byYhat : sortDescending(pBuy, y)

  let buyers = 0
  for (let i = 0; i < y.length; i++) if ((y[i] as number) > 0) buyers++
  const top = topCaptureFromSorted(byYhat, TOP_FRACTION)
  const deciles = decilesFromSorted(byYhat)
  const logs = log1pBuyers(fn, y, yhat)

  const metrics: RegressionMetrics = {
    customers: y.length,
    buyers,
    zero_share: zeroShare(y),
    mae: mae(y, yhat),
    rmse: rmse(y, yhat),
    r2: r2(y, yhat),
    gini: orNull(giniFromSorted(byYhat, byY)),
    spearman: spearmanFromSorted(byY, byYhat),
    top10_capture: orNull(top.capture),
    top10_lift: orNull(top.lift),
    auc: orNull(aucFromSorted(byScore)),
    decile_mape: orNull(deciles.mape),
    sum_ratio: orNull(sumRatio(y, yhat)),
    r2_log1p_buyers: orNull(logs.r2),
    rmse_log1p_buyers: orNull(logs.rmse),
  }
  return {
    metrics,
    aucScore: pBuy === undefined ? 'yhat' : 'pBuy',
    deciles: deciles.deciles,
    gains: gainsFromSorted(byYhat, byY, gainsPoints),
  }
}

function orNull(v: number): number | null {
  return Number.isFinite(v) ? v : null
}

/** A metric for a report: fixed digits, or "n/a" for an undefined one (null or NaN). */
export function formatMetric(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits)
}
