// A trained ZILN network scored on a feature table: its predictions (predict.ts, core's ZILN
// functions) and their metrics against the table's labels. The one path the candidate and the
// champion share, so the two are compared on exactly the same terms.

import { evaluateRegression, type RegressionEvaluation } from '@fcv/core'
import type { LayersModel } from '@tensorflow/tfjs'
import type { FeatureTable } from '../features/read-table.ts'
import type { ModelMetadata } from '../model/model-files.ts'
import { predictTable, type Predictions } from '../model/predict.ts'
import type { TF } from '../model/tf.ts'

export function scoreNetwork(
  tf: TF,
  model: LayersModel,
  metadata: ModelMetadata,
  table: FeatureTable
): { predictions: Predictions; evaluation: RegressionEvaluation } {
  const predictions = predictTable(tf, model, metadata, table)
  const evaluation = evaluateRegression({
    y: table.label,
    yhat: predictions.expected,
    pBuy: predictions.pBuy,
  })
  return { predictions, evaluation }
}
