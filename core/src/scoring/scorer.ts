// The scoring API the edge worker and the widget share. createScorer() reads a bundle's model.json and
// weights.bin once; each call then turns feature vectors (scoreFeatures) or raw transaction histories
// (scoreHistories: core's computeFeatures, as the trainer computes its tables) into predictions with
// the same encoding (encoding.ts) and the same head arithmetic (head.ts) as the trainer's evaluation.
// The forward pass is the plain interpreter (dense-model.ts), or tfjs when the model needs more.
// createScorer checks model.json's fcv metadata against its schema (metadata.ts); the widget, which
// scores only verified bundles and stays free of zod, uses createSignedScorer or, scoring histories
// only, createSignedHistoryScorer (signed-scorer.ts). All build on ModelScorer (model-scorer.ts).

import type { FeatureVector } from '../features/compute.ts'
import { ModelFormatError } from './errors.ts'
import type { HistoryTransaction } from './histories.ts'
import { readScoringMetadata } from './metadata.ts'
import { parseModelJson } from './model-json.ts'
import { FeatureScorer } from './feature-scorer.ts'
import { simdLayers } from './dense-simd.ts'
import { loadScorerParts } from './model-scorer.ts'

export interface Prediction {
  customerId: string
  /** Expected net spend over the horizon, major currency units. */
  expected: number
  /** Probability of any purchase in the horizon. */
  pBuy: number
  p10: number
  p50: number
  p90: number
  modelVersion: string
  featureSpecVersion: string
}

/**
 * A feature vector in spec order, as computeFeatures returns it (numbers, and strings for categorical
 * features such as country), or the same values by feature name.
 */
export type FeatureValues = readonly (number | string)[] | Readonly<Record<string, number | string>>

export interface FeatureRow {
  customerId: string
  features: FeatureValues
}

export interface HistoryItem {
  customerId: string
  /** In any order; only those before asOf count. */
  transactions: readonly HistoryTransaction[]
}

/** A scorer of raw transaction histories: what the widget needs (createSignedHistoryScorer). */
export interface HistoryScorer {
  /** The model version the bundle carries. */
  readonly version: string
  readonly featureSpecVersion: string
  /** The features in spec order: what each position of a vector is. */
  readonly featureNames: readonly string[]
  readonly engine: 'interpreter' | 'tfjs'
  /** The interpreter's layers: 'wasm-simd' with core's dense kernel (ScorerInput), else 'js'; tfjs: null. */
  readonly kernel: 'js' | 'wasm-simd' | null
  /**
   * Features at cutoff asOf (transactions strictly before it; UTC instant, Date or epoch ms), then
   * predictions for the horizon after it. A customer without a purchase before asOf is outside the
   * model's population and is rejected (ScoringInputError), as the trainer never scores one.
   */
  scoreHistories(items: readonly HistoryItem[], asOf: Date | number): Prediction[]
  /**
   * The feature vectors scoreHistories scores (spec order), each exactly what the trainer's
   * feature table holds for that history at cutoff asOf; same checks and errors, except that a
   * customer without a purchase before asOf gets null instead of failing the batch.
   */
  historyFeatures(items: readonly HistoryItem[], asOf: Date | number): (FeatureVector | null)[]
  /** Frees what the model holds outside the JS heap (the tfjs fallback's tensors); then unusable. */
  dispose(): void
}

/** A HistoryScorer that also scores feature vectors computed elsewhere (the edge's requests). */
export interface Scorer extends HistoryScorer {
  scoreFeatures(rows: readonly FeatureRow[]): Prediction[]
  /**
   * scoreFeatures' predictions, and each one's variance in the same order: the ZILN mixture's
   * around `expected`, within the model's clamps (zilnVariance). A prediction's quantiles do not
   * give it; a total over many customers needs it for its spread (`fcv score`).
   */
  scoreFeaturesWithVariance(rows: readonly FeatureRow[]): {
    predictions: Prediction[]
    variance: Float64Array
  }
}

export interface ScorerInput {
  modelJson: Uint8Array | string
  weights: Uint8Array
  version: string
  /**
   * core's dense-kernel.wasm (`@fcv/core/dense-kernel.wasm`) compiled by the runtime: the
   * interpreter then computes its layers in WebAssembly SIMD, the same floats about 5x faster.
   * Without it, plain TypeScript (what the widget runs).
   */
  denseKernel?: WebAssembly.Module
}

/** The interpreter when it runs the model, else tfjs; both throw clear errors for a bad bundle. */
export async function createScorer(input: ScorerInput): Promise<Scorer> {
  if (typeof input.version !== 'string' || input.version === '') {
    throw new ModelFormatError('createScorer: version must be a non-empty string')
  }
  if (!(input.weights instanceof Uint8Array)) {
    throw new ModelFormatError('createScorer: weights must be the bytes of weights.bin')
  }
  if (input.denseKernel !== undefined && !(input.denseKernel instanceof WebAssembly.Module)) {
    throw new TypeError(
      'createScorer: denseKernel must be a compiled WebAssembly.Module of @fcv/core/dense-kernel.wasm'
    )
  }
  const doc = parseModelJson(input.modelJson)
  return new FeatureScorer(
    await loadScorerParts(
      doc,
      readScoringMetadata(doc),
      input.weights,
      input.version,
      input.denseKernel ? simdLayers(input.denseKernel) : undefined
    )
  )
}
