// Evaluation metrics for forward-value predictions (definitions: clv-modeling.md section 6.4).
export { auc } from './auc.ts'
export { decileMape, type DecileMape, type DecileRow } from './deciles.ts'
export {
  evaluateRegression,
  formatMetric,
  type RegressionEvaluation,
  type RegressionInput,
  type RegressionMetrics,
} from './evaluate.ts'
export { mae, r2, r2Log1p, rmse, rmseLog1p, sumRatio, zeroShare } from './pointwise.ts'
export {
  gainsCurve,
  normalizedGini,
  spearman,
  topCapture,
  type GainsPoint,
  type TopCapture,
} from './ranking.ts'
