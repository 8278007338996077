// Scorers for the bundles this isolate serves. core's createScorer (core/src/scoring/) reads a
// verified bundle's model.json and weights.bin once; a scorer is kept per bundle digest.

import type { Scorer, ScorerInput } from '@fcv/core'
import { Lru } from './lru.ts'

export type { FeatureValues, FeatureVector, Prediction, Scorer } from '@fcv/core'

export type CreateScorer = (input: ScorerInput) => Promise<Scorer>

/**
 * Scorers by bundle digest, built once per isolate and kept once built; a failed build is not
 * kept, so it is retried. A request never awaits another's build (see serving.ts: in workerd that
 * resumes it in the other request's context): concurrent first requests each build, the first to
 * finish is kept. One pushed out by newer bundles is disposed (the tfjs fallback holds tensors);
 * requests take a scorer and use it synchronously, so none is mid-use when that happens.
 */
export class ScorerCache {
  private readonly scorers = new Lru<string, Scorer>(4, (evicted) => evicted.dispose())
  private readonly create: CreateScorer | null
  constructor(create: CreateScorer | null) {
    this.create = create
  }

  get available(): boolean {
    return this.create !== null
  }

  async get(digest: string, input: ScorerInput): Promise<Scorer> {
    if (!this.create) throw new Error('no scorer is built into this worker')
    const cached = this.scorers.get(digest)
    if (cached) return cached
    const built = await this.create(input)
    const winner = this.scorers.get(digest)
    if (winner) {
      built.dispose()
      return winner
    }
    this.scorers.set(digest, built)
    return built
  }
}
