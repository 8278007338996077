// Scores a feature table with a trained model: the network gives the head's three logits per row,
// and core's ZILN functions turn them into what a prediction reports, exactly as the edge and the
// widget do from the same logits (core's scorer calls the same zilnPredictRows).

import { stackLogits, zilnColumns, zilnPredictRows, type ZilnColumns } from '@fcv/core'
import type { LayersModel, Tensor } from '@tensorflow/tfjs'
import type { FeatureTable } from '../features/read-table.ts'
import { encodeTable } from './encoding.ts'
import type { ModelMetadata } from './model-files.ts'
import type { TF } from './tf.ts'

export type Predictions = ZilnColumns

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
  const out: Predictions = zilnColumns(n)
  for (let from = 0; from < n; from += BATCH_ROWS) {
    const rows = Math.min(BATCH_ROWS, n - from)
    let logits: ArrayLike<number> = tf.tidy(() => {
      const input = tf.tensor2d(x.subarray(from * width, (from + rows) * width), [rows, width])
      return (model.predict(input) as Tensor).dataSync()
    })
    if (metadata.stack) {
      // As core's scorer does (stack.ts), from the same btyd_value column.
      const btyd = table.numeric['btyd_value']
      if (!btyd) throw new Error('a stacked model needs the btyd_value feature')
      const stacked = new Float64Array(3 * rows)
      stackLogits(logits, rows, metadata, metadata.stack, btyd.subarray(from, from + rows), stacked)
      logits = stacked
    }
    zilnPredictRows(logits, rows, metadata, out, from)
  }
  return out
}
