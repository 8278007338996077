// userDefinedMetadata.fcv of model.json as scoring reads it: what turns a transaction history into the
// network's input (feature spec, BG/NBD x Gamma-Gamma fit for btyd_value, encoding) and its output into
// a prediction (the ZILN head's name and clamps), and the days it is calibrated for. The trainer
// writes more (trainer/src/model/model-files.ts, ModelMetadata); the rest is kept as it is. The level
// adjustment is folded into the head's bias at training time, so serving applies nothing for it.

import { z } from 'zod'
import { describeIssues } from '../bundle/errors.ts'
import { CalibratedWindowSchema } from '../serving/calibrated-window-schema.ts'
import { TrainingProfileSchema } from '../serving/training-profile-schema.ts'
import { ModelFormatError } from './errors.ts'
import { SCORING_FORMAT, SCORING_FORMAT_VERSIONS } from './metadata-format.ts'
import type { ModelJsonDocument } from './model-json.ts'

const Finite = z.number().finite()
const Positive = Finite.positive()

const FeatureSpecSchema = z.looseObject({
  version: z.string().min(1),
  horizonDays: Positive,
  capDays: Positive,
  currencyExponent: z.number().int().min(0),
  countryTopK: z.number().int().min(0),
  windowsDays: z.array(Positive),
  features: z.array(
    z.looseObject({
      name: z.string().min(1),
      kind: z.enum(['numeric', 'categorical']),
      definition: z.string(),
    })
  ),
})

const FeatureEncodingSchema = z.looseObject({
  specVersion: z.string().min(1),
  numeric: z.array(
    z.looseObject({ name: z.string(), transform: z.literal('slog1p'), mean: Finite, std: Positive })
  ),
  categorical: z.array(z.looseObject({ name: z.string(), vocabulary: z.array(z.string()) })),
  width: z.number().int().positive(),
})

const BtydSchema = z.looseObject({
  bgnbd: z.looseObject({ r: Positive, alpha: Positive, a: Positive, b: Positive }),
  gammaGamma: z.looseObject({ p: Positive, q: Positive, v: Positive }),
})

export const ScoringMetadataSchema = z.looseObject({
  format: z.literal(SCORING_FORMAT),
  formatVersion: z.number().refine((v) => SCORING_FORMAT_VERSIONS.includes(v), {
    error: `is not one this runtime scores (${SCORING_FORMAT_VERSIONS.join(', ')})`,
  }),
  featureSpec: FeatureSpecSchema,
  encoding: FeatureEncodingSchema,
  /** Clamp on log(value) for the mean and the quantiles (core/src/model/ziln.ts). */
  maxLogValue: Finite,
  /** Cap on sigma (core/src/model/ziln.ts). */
  maxSigma: Positive,
  btyd: BtydSchema,
  /** The Dense(3) ZILN head: the model's output layer. */
  headLayer: z.string().min(1),
  /** A blend with btyd_value (stack.ts); format version 3 only. */
  stack: z.object({ networkWeight: Finite.min(0).max(1), btydScale: Positive }).optional(),
  /**
   * The days the model is calibrated for predictions as of (serving/calibrated-window.ts). Absent
   * in models trained before it was recorded: they have no window, and nothing is checked for them.
   */
  calibratedWindow: CalibratedWindowSchema.optional(),
  /**
   * The training histograms drift is measured against (serving/training-profile.ts); scoring does
   * not read it. Absent in models trained before it was recorded.
   */
  profile: TrainingProfileSchema.optional(),
})
export type ScoringMetadata = z.infer<typeof ScoringMetadataSchema>

/** A stack changes the mean: a runtime that reads version 2 only would ignore it, so it needs 3. */
const StackNeedsVersion3 = ScoringMetadataSchema.refine(
  (m) => m.stack === undefined || m.formatVersion >= 3,
  { path: ['stack'], error: 'needs formatVersion 3' }
)

/** userDefinedMetadata.fcv, checked; ModelFormatError naming the field otherwise. */
export function readScoringMetadata(doc: ModelJsonDocument): ScoringMetadata {
  const raw = doc.userDefinedMetadata?.['fcv']
  if (raw === undefined) {
    throw new ModelFormatError('model.json is not an fcv model (no userDefinedMetadata.fcv)')
  }
  const parsed = StackNeedsVersion3.safeParse(raw)
  if (!parsed.success) {
    throw new ModelFormatError(
      `model.json userDefinedMetadata.fcv: ${describeIssues(parsed.error)}`
    )
  }
  return parsed.data
}
