// The scorer itself: a model's encoding, forward pass and ZILN head over core's feature
// computation. createScorer (scorer.ts) and createSignedScorer (signed-scorer.ts) differ only in how
// they read model.json's metadata, and both end here: loadScorerParts checks that the network, the
// encoding and the spec fit together, ModelScorer scores raw histories with them, and FeatureScorer
// (feature-scorer.ts) adds feature vectors computed elsewhere. Two classes, so a bundle that scores
// histories only (the widget's script) leaves scoreFeatures out.

import { computeFeatures, type FeatureVector } from '../features/compute.ts'
import { FEATURE_COLUMNS, FEATURE_SPEC_VERSION } from '../features/spec.ts'
import { DenseModel, type ForwardModel, type KernelFactory } from './dense-model.ts'
import { EncodingError, FeatureEncoder } from './encoding.ts'
import {
  ModelFormatError,
  NoPurchaseBeforeAsOfError,
  ScoringInputError,
  UnsupportedModelError,
} from './errors.ts'
import { historyBatch } from './histories.ts'
import { zilnColumns, zilnPredictRows, type ZilnColumns } from './head.ts'
import { stackLogits } from './stack.ts'
import type { ScoringMetadata } from './metadata.ts'
import type { ModelJsonDocument } from './model-json.ts'
import type { HistoryItem, HistoryScorer, Prediction } from './scorer.ts'
import { loadTfjsModel } from './tfjs-fallback.ts'

/** What a scorer is made of, checked to fit together. */
export interface ScorerParts {
  version: string
  metadata: ScoringMetadata
  encoder: FeatureEncoder
  model: ForwardModel
}

/** The parts of a scorer for the model in `doc` and `weights`, whose fcv metadata has been read. */
export async function loadScorerParts(
  doc: ModelJsonDocument,
  metadata: ScoringMetadata,
  weights: Uint8Array,
  version: string,
  /** The interpreter's layers in core's WebAssembly SIMD kernel (dense-simd.ts simdLayers). */
  denseKernel?: KernelFactory
): Promise<ScorerParts> {
  const encoder = encoderFor(metadata)
  const model = await forwardModel(doc, weights, denseKernel)
  const problem =
    model.inputWidth !== encoder.width
      ? `takes ${model.inputWidth} inputs, the encoding gives ${encoder.width}`
      : model.outputWidth !== 3
        ? `has ${model.outputWidth} outputs, the ZILN head 3`
        : model.outputLayer !== metadata.headLayer
          ? `outputs layer "${model.outputLayer}", not the head "${metadata.headLayer}"`
          : undefined
  if (problem) {
    model.dispose()
    throw new ModelFormatError(`model.json: the network ${problem}`)
  }
  return { version, metadata, encoder, model }
}

function encoderFor(metadata: ScoringMetadata): FeatureEncoder {
  const spec = metadata.featureSpec
  // scoreHistories computes this core's spec: a model of another spec would get other vectors.
  if (
    spec.version !== FEATURE_SPEC_VERSION ||
    spec.features.length !== FEATURE_COLUMNS.length ||
    spec.features.some(
      (f, i) => f.name !== FEATURE_COLUMNS[i]!.name || f.kind !== FEATURE_COLUMNS[i]!.kind
    )
  ) {
    throw new ModelFormatError(
      `the model was trained on feature spec ${spec.version}, which is not the spec ` +
        `${FEATURE_SPEC_VERSION} this runtime computes`
    )
  }
  if (metadata.encoding.specVersion !== spec.version) {
    throw new ModelFormatError(
      `the model's encoding was fitted for spec ${metadata.encoding.specVersion}, not ${spec.version}`
    )
  }
  try {
    return new FeatureEncoder(metadata.encoding, spec)
  } catch (e) {
    if (!(e instanceof EncodingError)) throw e
    throw new ModelFormatError(`model.json userDefinedMetadata.fcv.encoding: ${e.message}`, {
      cause: e,
    })
  }
}

async function forwardModel(
  doc: ModelJsonDocument,
  weights: Uint8Array,
  denseKernel: KernelFactory | undefined
): Promise<ForwardModel> {
  let dense: DenseModel
  try {
    dense = DenseModel.fromModelJson(doc, weights)
  } catch (e) {
    if (!(e instanceof UnsupportedModelError)) throw e
    try {
      return await loadTfjsModel(doc, weights)
    } catch (f) {
      throw new UnsupportedModelError(
        e.unsupported,
        `${e.message}; the tfjs fallback cannot load the model either: ${(f as Error).message}`,
        { cause: f }
      )
    }
  }
  if (denseKernel) await dense.useKernel(denseKernel)
  return dense
}

/** Scores raw histories: features by core, then the model's encoding, network and head. */
export class ModelScorer implements HistoryScorer {
  readonly version: string
  readonly featureSpecVersion: string
  readonly featureNames: readonly string[]
  readonly engine: 'interpreter' | 'tfjs'
  readonly kernel: 'js' | 'wasm-simd' | null
  protected readonly metadata: ScoringMetadata
  private readonly encoder: FeatureEncoder
  private readonly model: ForwardModel
  private x = new Float32Array(0)
  private out: ZilnColumns = zilnColumns(0)
  /** Where btyd_value sits in a feature vector, for a stacked model (stack.ts); else -1. */
  private readonly btydAt: number
  private btyd = new Float64Array(0)
  private stacked = new Float64Array(0)

  constructor({ version, metadata, encoder, model }: ScorerParts) {
    this.version = version
    this.metadata = metadata
    this.encoder = encoder
    this.model = model
    this.featureSpecVersion = metadata.featureSpec.version
    this.engine = model.engine
    this.kernel = model.kernel
    this.featureNames = metadata.featureSpec.features.map((f) => f.name)
    this.btydAt = metadata.stack ? this.featureNames.indexOf('btyd_value') : -1
    if (metadata.stack && this.btydAt < 0) {
      throw new ModelFormatError(
        `model.json: the model blends with btyd_value, which feature spec ${metadata.featureSpec.version} lacks`
      )
    }
  }

  scoreHistories(items: readonly HistoryItem[], asOf: Date | number): Prediction[] {
    const x = this.inputs(Array.isArray(items) ? items.length : 0)
    this.eachHistoryVector(items, asOf, (vector, i, t0) => {
      if (!vector) {
        throw new NoPurchaseBeforeAsOfError(
          `items[${i}].transactions`,
          `customer "${items[i]!.customerId}" has no purchase before asOf ` +
            `(${new Date(t0).toISOString()}), so is outside the model's population: nothing to score`
        )
      }
      this.encode(vector, x, i, `items[${i}] features`)
    })
    return this.predict(items, x)
  }

  historyFeatures(items: readonly HistoryItem[], asOf: Date | number): (FeatureVector | null)[] {
    const vectors: (FeatureVector | null)[] = []
    this.eachHistoryVector(items, asOf, (vector) => vectors.push(vector ?? null))
    return vectors
  }

  dispose(): void {
    this.model.dispose()
  }

  /** Checks the items, then computes each customer's vector at asOf in order (undefined: none). */
  private eachHistoryVector(
    items: readonly HistoryItem[],
    asOf: Date | number,
    visit: (vector: FeatureVector | undefined, i: number, t0: number) => void
  ): void {
    const t0 = asOf instanceof Date ? asOf.getTime() : asOf
    if (typeof t0 !== 'number' || !Number.isFinite(t0)) {
      throw new ScoringInputError('asOf', 'must be a valid Date or finite epoch milliseconds')
    }
    if (!Array.isArray(items)) throw new ScoringInputError('items', 'must be an array')
    const { featureSpec, btyd } = this.metadata
    items.forEach((item, i) => checkCustomerId(item, `items[${i}]`))
    const { columns, offsets } = historyBatch(
      items.map((item) => item.transactions),
      (i) => `items[${i}].transactions`
    )
    for (let i = 0; i < items.length; i++) {
      const history = { ...columns, start: offsets[i] as number, end: offsets[i + 1] as number }
      visit(computeFeatures(history, t0, featureSpec, btyd), i, t0)
    }
  }

  /** The input scratch for `rows` rows (grown, never shrunk: one allocation per larger batch). */
  protected inputs(rows: number): Float32Array {
    const size = rows * this.encoder.width
    if (this.x.length < size) this.x = new Float32Array(size)
    if (this.out.expected.length < rows) this.out = zilnColumns(rows)
    if (this.btydAt >= 0 && this.btyd.length < rows) {
      this.btyd = new Float64Array(rows)
      this.stacked = new Float64Array(3 * rows)
    }
    return this.x
  }

  protected encode(
    vector: ArrayLike<number | string>,
    x: Float32Array,
    row: number,
    field: string
  ) {
    if (this.btydAt >= 0) this.btyd[row] = Number(vector[this.btydAt])
    try {
      this.encoder.encodeRow(vector, x, row)
    } catch (e) {
      if (!(e instanceof EncodingError)) throw e
      throw new ScoringInputError(field, e.message, { cause: e })
    }
  }

  /** `seen`, when given, also gets the head's outputs (rows x 3), valid only during the call. */
  protected predict(
    rows: readonly { customerId: string }[],
    x: Float32Array,
    seen?: (logits: ArrayLike<number>) => void
  ): Prediction[] {
    const n = rows.length
    const { maxLogValue, maxSigma, stack } = this.metadata
    const clamps = { maxLogValue, maxSigma }
    let logits: ArrayLike<number> = this.model.forward(x, n)
    if (stack) {
      stackLogits(logits, n, clamps, stack, this.btyd, this.stacked)
      logits = this.stacked
    }
    seen?.(logits)
    const out = this.out
    zilnPredictRows(logits, n, clamps, out)
    const predictions: Prediction[] = new Array(n)
    for (let i = 0; i < n; i++) {
      predictions[i] = {
        customerId: rows[i]!.customerId,
        expected: out.expected[i] as number,
        pBuy: out.pBuy[i] as number,
        p10: out.p10[i] as number,
        p50: out.p50[i] as number,
        p90: out.p90[i] as number,
        modelVersion: this.version,
        featureSpecVersion: this.featureSpecVersion,
      }
    }
    return predictions
  }
}

export function checkCustomerId(
  row: { customerId: unknown } | null | undefined,
  field: string
): void {
  if (typeof row !== 'object' || row === null)
    throw new ScoringInputError(field, 'must be an object')
  if (typeof row.customerId !== 'string' || row.customerId === '') {
    throw new ScoringInputError(`${field}.customerId`, 'must be a non-empty string')
  }
}
