// The network's input encoding, applied. The trainer fits it on the training rows (its own
// encoding.ts) and stores it with the model; training, evaluation, the edge and the widget all
// apply it through this file, so serving cannot encode differently from training:
//   numeric features: signed log1p (spend and counts are heavy-tailed; returns make spend negative),
//     then standardised with the training mean and standard deviation;
//   categorical features: one-hot over the fitted vocabulary, plus one column for every other value
//     (unseen ones and "" included).

import type { FeatureVector } from '../features/compute.ts'
import type { FeatureSpec } from '../features/spec.ts'
import { log1p } from '../portable-math.ts'

export interface NumericEncoding {
  name: string
  transform: 'slog1p'
  mean: number
  std: number
}

export interface CategoricalEncoding {
  name: string
  /** One-hot columns in this order; anything else goes to the extra "other" column after them. */
  vocabulary: string[]
}

export interface FeatureEncoding {
  specVersion: string
  /** Numeric features in spec order, then each categorical feature's columns, in spec order. */
  numeric: NumericEncoding[]
  categorical: CategoricalEncoding[]
  width: number
}

/** sign(x) log(1 + |x|): monotone, odd, and gentle on heavy tails. */
export function slog1p(x: number): number {
  return x < 0 ? -log1p(-x) : log1p(x)
}

export class EncodingError extends Error {
  override name = 'EncodingError'
}

/** The one numeric transform every path uses (then rounded to float32 by the store). */
function numericInput(value: number, e: NumericEncoding): number {
  return (slog1p(value) - e.mean) / e.std
}

/** Column index within a categorical block: the vocabulary position, else "other". */
function categoryIndex(vocabulary: readonly string[]): (value: string) => number {
  const index = new Map(vocabulary.map((v, k) => [v, k]))
  const other = vocabulary.length
  return (value) => index.get(value) ?? other
}

/** A feature table in columns, as the trainer reads one (its FeatureTable has this shape). */
export interface FeatureColumns {
  readonly rows: number
  readonly numeric: Readonly<Record<string, ArrayLike<number>>>
  readonly categorical: Readonly<Record<string, ArrayLike<string>>>
}

/** A numeric column of a table, every value checked finite (EncodingError naming row and value). */
export function numericColumn(columns: FeatureColumns, name: string): ArrayLike<number> {
  const values = columns.numeric[name]
  if (!values) throw new EncodingError(`the feature table has no numeric column "${name}"`)
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i] as number)) {
      throw new EncodingError(`column "${name}", row ${i}: ${values[i]} is not a finite number`)
    }
  }
  return values
}

/** The input matrix (rows x encoding.width, row-major float32) of a table in columns. */
export function encodeColumns(encoding: FeatureEncoding, columns: FeatureColumns): Float32Array {
  const { width } = encoding
  const out = new Float32Array(columns.rows * width)
  encoding.numeric.forEach((e, j) => {
    const values = numericColumn(columns, e.name)
    for (let i = 0; i < columns.rows; i++) {
      out[i * width + j] = numericInput(values[i] as number, e)
    }
  })
  let at = encoding.numeric.length
  for (const c of encoding.categorical) {
    const values = columns.categorical[c.name]
    if (!values) throw new EncodingError(`the feature table has no column "${c.name}"`)
    const column = categoryIndex(c.vocabulary)
    for (let i = 0; i < columns.rows; i++) {
      out[i * width + at + column(values[i] as string)] = 1
    }
    at += c.vocabulary.length + 1
  }
  return out
}

/**
 * The encoding bound to the spec whose vectors it reads (computeFeatures' output: values in spec
 * order, numbers for numeric features and strings for categorical ones). Built once per model;
 * encodeRow() then allocates nothing per row.
 */
export class FeatureEncoder {
  readonly width: number
  /** Features per vector (spec.features.length). */
  readonly length: number
  readonly spec: FeatureSpec
  readonly encoding: FeatureEncoding
  /** Vector position of each numeric encoding, in encoding order. */
  private readonly numericAt: Int32Array
  private readonly categoricalAt: Int32Array
  private readonly categories: ((value: string) => number)[]
  /** First input column of each categorical block, and its width (vocabulary + "other"). */
  private readonly blockStart: Int32Array
  private readonly blockWidth: Int32Array

  constructor(encoding: FeatureEncoding, spec: FeatureSpec) {
    this.encoding = encoding
    this.spec = spec
    this.length = spec.features.length
    const position = new Map(spec.features.map((f, i) => [f.name, i]))
    const find = (name: string, kind: 'numeric' | 'categorical'): number => {
      const i = position.get(name)
      if (i === undefined) {
        throw new EncodingError(
          `the encoding's feature "${name}" is not in feature spec ${spec.version}`
        )
      }
      if (spec.features[i]?.kind !== kind) {
        throw new EncodingError(`the encoding treats "${name}" as ${kind}, the spec does not`)
      }
      return i
    }
    for (const e of encoding.numeric) {
      if (e.transform !== 'slog1p') {
        throw new EncodingError(`feature "${e.name}": unknown transform "${String(e.transform)}"`)
      }
      if (!(Number.isFinite(e.mean) && Number.isFinite(e.std) && e.std > 0)) {
        throw new EncodingError(`feature "${e.name}": mean and std must be finite, std > 0`)
      }
    }
    this.numericAt = Int32Array.from(encoding.numeric, (e) => find(e.name, 'numeric'))
    this.categoricalAt = Int32Array.from(encoding.categorical, (c) => find(c.name, 'categorical'))
    this.categories = encoding.categorical.map((c) => categoryIndex(c.vocabulary))
    this.blockStart = new Int32Array(encoding.categorical.length)
    this.blockWidth = new Int32Array(encoding.categorical.length)
    let at = encoding.numeric.length
    encoding.categorical.forEach((c, k) => {
      this.blockStart[k] = at
      this.blockWidth[k] = c.vocabulary.length + 1
      at += c.vocabulary.length + 1
    })
    if (at !== encoding.width) {
      throw new EncodingError(`the encoding's width is ${encoding.width}, its columns make ${at}`)
    }
    this.width = at
  }

  /**
   * Writes one vector's inputs to out[row * width, (row + 1) * width). Throws an EncodingError
   * naming the feature when a numeric value is not a finite number or a categorical one not a string.
   */
  encodeRow(vector: ArrayLike<number | string>, out: Float32Array, row: number): void {
    if (vector.length !== this.length) {
      throw new EncodingError(
        `a feature vector of spec ${this.spec.version} has ${this.length} values, not ${vector.length}`
      )
    }
    const base = row * this.width
    const numeric = this.encoding.numeric
    for (let j = 0; j < numeric.length; j++) {
      const p = this.numericAt[j] as number
      const v = vector[p]
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new EncodingError(
          `feature "${numeric[j]!.name}" (position ${p}): ${String(v)} is not a finite number`
        )
      }
      out[base + j] = numericInput(v, numeric[j]!)
    }
    for (let k = 0; k < this.categories.length; k++) {
      const p = this.categoricalAt[k] as number
      const v = vector[p]
      if (typeof v !== 'string') {
        throw new EncodingError(
          `feature "${this.encoding.categorical[k]!.name}" (position ${p}): ${String(v)} is not a string`
        )
      }
      const start = base + (this.blockStart[k] as number)
      out.fill(0, start, start + (this.blockWidth[k] as number))
      out[start + this.categories[k]!(v)] = 1
    }
  }
}

/**
 * The input matrix (vectors.length x width, row-major), into `out` when it is large enough. A
 * function, not a method: the scorers encode row by row, so their bundles (the widget's) leave it out.
 */
export function encodeVectors(
  encoder: FeatureEncoder,
  vectors: readonly ArrayLike<number | string>[],
  out?: Float32Array
): Float32Array {
  const size = vectors.length * encoder.width
  const x = out && out.length >= size ? out : new Float32Array(size)
  for (let i = 0; i < vectors.length; i++) encoder.encodeRow(vectors[i]!, x, i)
  return x
}

/** The input matrix of feature vectors (computeFeatures' output) under a fitted encoding. */
export function encodeFeatureVectors(
  encoding: FeatureEncoding,
  spec: FeatureSpec,
  vectors: readonly FeatureVector[]
): Float32Array {
  return encodeVectors(new FeatureEncoder(encoding, spec), vectors)
}
