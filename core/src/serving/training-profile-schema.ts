// The training profile as zod reads it: in model.json's fcv metadata (core's ScoringMetadataSchema)
// and in a bundle manifest (BundleManifestSchema). Bounded, so a profile stays a few KB: at most
// PROFILE_MAX_BINS buckets per histogram and PROFILE_MAX_FEATURES features.

import { z } from 'zod'
import { PROFILE_MAX_BINS } from './drift.ts'
import { checkHistogram, CountSchema as Count, unique } from './schema-parts.ts'
import type { TrainingProfile } from './training-profile.ts'

/** A spec has 26 numeric features today; room for more without letting a profile grow unbounded. */
export const PROFILE_MAX_FEATURES = 128

const histogram = {
  bounds: z.array(z.number().finite()).max(PROFILE_MAX_BINS - 1),
  counts: z.array(Count).min(1).max(PROFILE_MAX_BINS),
  n: Count,
  sum: z.number().finite(),
}

const HistogramSchema = z.strictObject(histogram).superRefine(checkHistogram)
const FeatureSchema = z
  .strictObject({ name: z.string().min(1).max(128), ...histogram })
  .superRefine(checkHistogram)

const schema = z.strictObject({
  cutoff: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day, YYYY-MM-DD'),
  rows: Count,
  features: z
    .array(FeatureSchema)
    .max(PROFILE_MAX_FEATURES)
    .superRefine(unique((f) => f.name, 'a feature')),
  predicted: z.strictObject({ value: HistogramSchema, pBuy: HistogramSchema }),
})

export const TrainingProfileSchema: z.ZodType<TrainingProfile> = schema
