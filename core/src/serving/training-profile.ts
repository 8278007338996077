// The training profile: histograms of what a model saw at training time, which drift is measured
// against. `fcv train` computes it on the rows of one cutoff (trainer/src/model/profile.ts) and
// writes it into model.json (userDefinedMetadata.fcv.profile); the control plane copies it into the
// signed bundle manifest (manifest.profile). The Worker buckets each scored customer's features by
// its bounds (reported with modelVersion), and the control plane compares the live histograms with
// these (drift.ts). The schema is apart (training-profile-schema.ts), as the calibrated window's.

/** A histogram as core's bucketOf fills it: counts[i] holds bounds[i-1] < v <= bounds[i]. */
export interface ProfileHistogram {
  bounds: number[]
  counts: number[]
  /** Values counted (the sum of counts). */
  n: number
  sum: number
}

export interface TrainingProfile {
  /** The cutoff the rows are from, YYYY-MM-DD. */
  cutoff: string
  /** Customers at that cutoff. */
  rows: number
  /** Each numeric feature of the spec, bounds from its training quantiles (drift.ts profileBounds). */
  features: (ProfileHistogram & { name: string })[]
  /** The model's predictions on those rows, on the Worker's fixed bounds (TELEMETRY_BOUNDS). */
  predicted: { value: ProfileHistogram; pBuy: ProfileHistogram }
}

/** The profile's bounds by feature name, or null for a model without a profile. */
export function profileBoundsOf(manifest: {
  profile?: TrainingProfile | undefined
}): ReadonlyMap<string, readonly number[]> | null {
  const p = manifest.profile
  return p ? new Map(p.features.map((f) => [f.name, f.bounds])) : null
}
