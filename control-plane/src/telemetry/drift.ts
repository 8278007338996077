// Drift of one serving model: the live histograms of its inputs and predictions over the window,
// against the training histograms its bundle carries (manifest.profile). PSI needs the same
// buckets on both sides: the Worker buckets a model's features by the profile's own bounds, and
// the predictions by fixed bounds that are a subset of the profile's, so the profile is
// re-bucketed onto the live bounds; when that is not exact (a model without a profile, a Worker
// from before profiles) there is no PSI, and the answer says so rather than guessing.

import { populationStabilityIndex, type Channel, type TrainingProfile } from '@fcv/core'
import { rebucket } from './histogram.ts'

export interface LiveHistogram {
  bounds: readonly number[]
  counts: readonly number[]
  n: number
  /** null: not known (widget beacons carry counts only). */
  sum: number | null
}

export interface FeatureDrift {
  name: string
  /** null: no training histogram in these buckets, or nothing live. */
  psi: number | null
  /** The live histogram's bounds; `training` and `live` are shares per bucket (sum 1). */
  bounds: number[]
  training: number[]
  live: number[]
  liveN: number
}

export interface PredictionDrift {
  output: 'value' | 'pbuy'
  psi: number | null
  trainingMean: number | null
  liveMean: number | null
  /** live mean / training mean; null when either is unknown or the training mean is 0. */
  meanRatio: number | null
}

export interface ModelDrift {
  channel: Channel
  modelVersion: string
  /** Customers scored in the window (the live predicted-value histogram's n). */
  observations: number
  profile: { cutoff: string; rows: number } | null
  features: FeatureDrift[]
  predictions: PredictionDrift[]
}

export interface LiveModel {
  channel: Channel
  modelVersion: string
  profile: TrainingProfile | null
  features: ReadonlyMap<string, LiveHistogram>
  value: LiveHistogram | null
  pBuy: LiveHistogram | null
}

const shares = (counts: readonly number[]): number[] => {
  const total = counts.reduce((a, b) => a + b, 0)
  return counts.map((c) => (total > 0 ? c / total : 0))
}

function compare(
  training: { bounds: readonly number[]; counts: readonly number[] } | undefined,
  live: LiveHistogram
): { psi: number | null; training: number[] } {
  const counts = training ? rebucket(training.bounds, training.counts, live.bounds) : null
  if (!counts || live.n === 0 || counts.every((c) => c === 0)) {
    return { psi: null, training: counts ? shares(counts) : [] }
  }
  return { psi: populationStabilityIndex(counts, live.counts), training: shares(counts) }
}

const mean = (h: { n: number; sum: number | null } | undefined | null) =>
  h && h.n > 0 && h.sum !== null ? h.sum / h.n : null

export function driftOf(m: LiveModel): ModelDrift {
  const p = m.profile
  const features = [...m.features].map(([name, live]): FeatureDrift => {
    const c = compare(
      p?.features.find((f) => f.name === name),
      live
    )
    return {
      name,
      psi: c.psi,
      bounds: [...live.bounds],
      training: c.training,
      live: shares(live.counts),
      liveN: live.n,
    }
  })
  features.sort((a, b) => a.name.localeCompare(b.name))
  const predictions: PredictionDrift[] = []
  for (const [output, live, training] of [
    ['value', m.value, p?.predicted.value],
    ['pbuy', m.pBuy, p?.predicted.pBuy],
  ] as const) {
    if (!live) continue
    const trainingMean = mean(training)
    const liveMean = mean(live)
    predictions.push({
      output,
      psi: compare(training, live).psi,
      trainingMean,
      liveMean,
      meanRatio:
        trainingMean !== null && liveMean !== null && trainingMean !== 0
          ? liveMean / trainingMean
          : null,
    })
  }
  return {
    channel: m.channel,
    modelVersion: m.modelVersion,
    observations: m.value?.n ?? 0,
    profile: p ? { cutoff: p.cutoff, rows: p.rows } : null,
    features,
    predictions,
  }
}
