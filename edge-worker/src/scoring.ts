// Scorers for the bundles this isolate serves. core's createScorer (core/src/scoring/) reads a
// verified bundle's model.json and weights.bin once; a scorer is kept per bundle digest.

import type { Scorer, ScorerInput } from '@fcv/core'
import { Lru } from './lru.ts'

export type { FeatureValues, FeatureVector, Prediction, Scorer } from '@fcv/core'

export type CreateScorer = (input: ScorerInput) => Promise<Scorer>

/**
 * Scorers by bundle digest, built once per isolate; a failed build is forgotten so it is retried.
 * One pushed out by newer bundles is disposed (the tfjs fallback holds tensors); requests take a
 * scorer and use it synchronously, so none is mid-use when that happens.
 */
export class ScorerCache {
  private readonly scorers = new Lru<string, Promise<Scorer>>(4, (evicted) => {
    evicted.then(
      (scorer) => scorer.dispose(),
      () => undefined
    )
  })
  private readonly create: CreateScorer | null
  constructor(create: CreateScorer | null) {
    this.create = create
  }

  get available(): boolean {
    return this.create !== null
  }

  get(digest: string, input: ScorerInput): Promise<Scorer> {
    if (!this.create) return Promise.reject(new Error('no scorer is built into this worker'))
    let scorer = this.scorers.get(digest)
    if (!scorer) {
      const created = this.create(input)
      created.catch(() => {
        if (this.scorers.peek(digest) === created) this.scorers.delete(digest)
      })
      this.scorers.set(digest, created)
      scorer = created
    }
    return scorer
  }
}
