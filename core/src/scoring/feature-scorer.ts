// The full Scorer: ModelScorer's histories, plus feature vectors computed elsewhere (the edge's
// feature requests, by position or by name), alone or with each prediction's variance (what `fcv
// score` sums for its total's interval). What createScorer and createSignedScorer return.

import type { FeatureVector } from '../features/compute.ts'
import { ScoringInputError } from './errors.ts'
import { zilnVarianceRows } from './head.ts'
import { checkCustomerId, ModelScorer, type ScorerParts } from './model-scorer.ts'
import type { FeatureRow, FeatureValues, Prediction, Scorer } from './scorer.ts'

export class FeatureScorer extends ModelScorer implements Scorer {
  private readonly known: ReadonlySet<string>

  constructor(parts: ScorerParts) {
    super(parts)
    this.known = new Set(this.featureNames)
  }

  scoreFeatures(rows: readonly FeatureRow[]): Prediction[] {
    return this.predict(rows, this.encodeRows(rows))
  }

  scoreFeaturesWithVariance(rows: readonly FeatureRow[]): {
    predictions: Prediction[]
    variance: Float64Array
  } {
    const x = this.encodeRows(rows)
    const variance = new Float64Array(rows.length)
    const { maxLogValue, maxSigma } = this.metadata
    const predictions = this.predict(rows, x, (logits) =>
      zilnVarianceRows(logits, rows.length, { maxLogValue, maxSigma }, variance)
    )
    return { predictions, variance }
  }

  private encodeRows(rows: readonly FeatureRow[]): Float32Array {
    if (!Array.isArray(rows)) throw new ScoringInputError('rows', 'must be an array')
    const x = this.inputs(rows.length)
    rows.forEach((row, i) => {
      const field = `rows[${i}]`
      checkCustomerId(row, field)
      this.encode(this.vectorOf(row.features, `${field}.features`), x, i, `${field}.features`)
    })
    return x
  }

  private vectorOf(features: FeatureValues, field: string): ArrayLike<number | string> {
    if (Array.isArray(features)) {
      if (features.length !== this.featureNames.length) {
        throw new ScoringInputError(
          field,
          `has ${features.length} values; feature spec ${this.featureSpecVersion} has ` +
            `${this.featureNames.length} (${this.featureNames.join(', ')})`
        )
      }
      return features as readonly (number | string)[]
    }
    if (typeof features !== 'object' || features === null) {
      throw new ScoringInputError(field, 'must be an array in spec order or an object by name')
    }
    const byName = features as Readonly<Record<string, number | string>>
    for (const name of Object.keys(byName)) {
      if (!this.known.has(name)) {
        throw new ScoringInputError(
          field,
          `unknown feature "${name}" (spec ${this.featureSpecVersion}: ${this.featureNames.join(', ')})`
        )
      }
    }
    const vector: FeatureVector = []
    for (const name of this.featureNames) {
      if (!Object.hasOwn(byName, name))
        throw new ScoringInputError(field, `feature "${name}" is missing`)
      vector.push(byName[name] as number | string)
    }
    return vector
  }
}
