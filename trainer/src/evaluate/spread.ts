// A metric's mean and spread over several evaluations (backtest cases, seeds).

import type { RegressionMetrics } from '@fcv/core'

export interface Spread {
  mean: number | null
  /** Sample standard deviation (null with fewer than two values). */
  sd: number | null
  min: number | null
  max: number | null
  values: (number | null)[]
}

/** The metrics a backtest summarises. */
export const METRICS: readonly (keyof RegressionMetrics)[] = [
  'gini',
  'rmse',
  'mae',
  'r2',
  'spearman',
  'top10_capture',
  'auc',
  'decile_mape',
  'sum_ratio',
  'r2_log1p_buyers',
  'rmse_log1p_buyers',
]

export function spreadOf(values: (number | null)[]): Spread {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v))
  if (xs.length === 0) return { mean: null, sd: null, min: null, max: null, values }
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const sd =
    xs.length < 2 ? null : Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1))
  return { mean, sd, min: Math.min(...xs), max: Math.max(...xs), values }
}
