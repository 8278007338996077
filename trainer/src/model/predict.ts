// Scores a feature table with a trained model: the network gives the head's three logits per row,
// and core's ZILN functions turn them into what a prediction reports, exactly as the edge and the
// widget will from the same logits.

import { zilnPredict } from '@fcv/core'
import type { LayersModel, Tensor } from '@tensorflow/tfjs'
import type { FeatureTable } from '../features/read-table.ts'
import { encodeTable } from './encoding.ts'
import type { ModelMetadata } from './model-files.ts'
import type { TF } from './tf.ts'

export interface Predictions {
  expected: Float64Array
  pBuy: Float64Array
  p10: Float64Array
  p50: Float64Array
  p90: Float64Array
}

const BATCH_ROWS = 8192

export function predictTable(
  tf: TF,
  model: LayersModel,
  metadata: ModelMetadata,
  table: FeatureTable
): Predictions {
  const { width } = metadata.encoding
  const x = encodeTable(metadata.encoding, table)
  const n = table.rows
  const out: Predictions = {
    expected: new Float64Array(n),
    pBuy: new Float64Array(n),
    p10: new Float64Array(n),
    p50: new Float64Array(n),
    p90: new Float64Array(n),
  }
  for (let from = 0; from < n; from += BATCH_ROWS) {
    const rows = Math.min(BATCH_ROWS, n - from)
    const logits = tf.tidy(() => {
      const input = tf.tensor2d(x.subarray(from * width, (from + rows) * width), [rows, width])
      return (model.predict(input) as Tensor).dataSync()
    })
    for (let i = 0; i < rows; i++) {
      const p = zilnPredict(
        logits[3 * i] as number,
        logits[3 * i + 1] as number,
        logits[3 * i + 2] as number,
        metadata
      )
      out.expected[from + i] = p.expected
      out.pBuy[from + i] = p.pBuy
      out.p10[from + i] = p.p10
      out.p50[from + i] = p.p50
      out.p90[from + i] = p.p90
    }
  }
  return out
}
