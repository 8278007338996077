// Feature rows -> the network's input matrix: the encoding is fitted here, on the training rows only,
// and stored with the model, so serving encodes exactly as training did:
//   numeric features: signed log1p (spend and counts are heavy-tailed; returns make spend negative),
//     then standardised with the training mean and standard deviation;
//   categorical features: one-hot over the `topK` most frequent training values, plus one column for
//     every other value (unseen ones included).

import {
  EncodingError,
  encodeColumns,
  numericColumn,
  slog1p,
  type CategoricalEncoding,
  type FeatureEncoding,
  type FeatureSpec,
  type NumericEncoding,
} from '@fcv/core'
import type { FeatureTable } from '../features/read-table.ts'

// The encoding's types and its application live in core (core/src/scoring/encoding.ts), where the
// edge worker and the widget apply it too: training and serving encode with the same code.
export {
  EncodingError,
  slog1p,
  type CategoricalEncoding,
  type FeatureEncoding,
  type NumericEncoding,
}

/** Fits the encoding on the training table. */
export function fitEncoding(spec: FeatureSpec, train: FeatureTable): FeatureEncoding {
  if (train.rows === 0) throw new EncodingError('the training set has no rows')
  const numeric: NumericEncoding[] = []
  const categorical: CategoricalEncoding[] = []
  for (const f of spec.features) {
    if (f.kind === 'numeric') {
      const values = numericColumn(train, f.name)
      let sum = 0
      let sumSq = 0
      for (let i = 0; i < values.length; i++) {
        const v = slog1p(values[i] as number)
        sum += v
        sumSq += v * v
      }
      const mean = sum / values.length
      const variance = Math.max(0, sumSq / values.length - mean * mean)
      // A constant feature carries nothing: scale 1 keeps it at 0 instead of dividing by 0.
      const std = Math.sqrt(variance) > 1e-9 ? Math.sqrt(variance) : 1
      numeric.push({ name: f.name, transform: 'slog1p', mean, std })
    } else {
      const values = train.categorical[f.name]
      if (!values) throw new EncodingError(`the training set has no column "${f.name}"`)
      const counts = new Map<string, number>()
      for (const v of values) if (v !== '') counts.set(v, (counts.get(v) ?? 0) + 1)
      // Most frequent first; ties by value, so the vocabulary does not depend on row order.
      const vocabulary = [...counts]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .slice(0, spec.countryTopK)
        .map(([v]) => v)
      categorical.push({ name: f.name, vocabulary })
    }
  }
  const width = numeric.length + categorical.reduce((n, c) => n + c.vocabulary.length + 1, 0)
  return { specVersion: spec.version, numeric, categorical, width }
}

/** The input matrix (rows x encoding.width, row-major float32) of a feature table. */
export function encodeTable(encoding: FeatureEncoding, table: FeatureTable): Float32Array {
  return encodeColumns(encoding, table)
}
