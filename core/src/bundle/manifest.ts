import { z } from 'zod'
import { CalibratedWindowSchema } from '../serving/calibrated-window-schema.ts'
import { TrainingProfileSchema } from '../serving/training-profile-schema.ts'
import { isBase64 } from './encoding.ts'
import { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, BUNDLE_SIGNATURE_ALG } from './format.ts'

export * from './format.ts'

// The bundle's data model. Everything that arrives from outside is parsed with these schemas, so a
// bad bundle is rejected with the name of the field that is wrong.

const Sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters')
const NonEmptySchema = z.string().min(1)
export const Base64Schema = z.string().refine(isBase64, 'must be standard padded base64')

export const BundleFileEntrySchema = z.strictObject({
  sha256: Sha256HexSchema,
  size: z.number().int().nonnegative(),
})
export type BundleFileEntry = z.infer<typeof BundleFileEntrySchema>

export const BundleManifestSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  formatVersion: z.literal(BUNDLE_FORMAT_VERSION),
  /** Registered model name. */
  name: NonEmptySchema,
  /** MLflow model version. */
  version: NonEmptySchema,
  created: z.iso.datetime({ offset: true }),
  horizonDays: z.number().int().positive(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO 4217 code'),
  /** The model's feature spec; only its version is read here, the rest is kept as it is. */
  featureSpec: z.looseObject({ version: NonEmptySchema }),
  /** The input encoding fitted at training time; opaque to the bundle. */
  normalisation: z.record(z.string(), z.unknown()),
  model: z.strictObject({ format: NonEmptySchema, formatVersion: z.number().int() }),
  // Strict: a file the verifier does not know would be signed but never checked.
  files: z.strictObject({
    'model.json': BundleFileEntrySchema,
    'weights.bin': BundleFileEntrySchema,
  }),
  metrics: z.record(z.string(), z.number().finite()),
  /**
   * The days the model is calibrated for predictions as of, from its model.json
   * (serving/calibrated-window.ts); absent for a model trained before windows were recorded.
   */
  calibratedWindow: CalibratedWindowSchema.optional(),
  /**
   * The training histograms drift is measured against, from its model.json
   * (serving/training-profile.ts); absent for a model trained before profiles were recorded.
   */
  profile: TrainingProfileSchema.optional(),
  mlflow: z.strictObject({
    runId: NonEmptySchema,
    modelVersion: NonEmptySchema,
    modelId: NonEmptySchema.optional(),
    trackingUri: NonEmptySchema.optional(),
  }),
})
export type BundleManifest = z.infer<typeof BundleManifestSchema>

/** What the builder is given: the manifest without the parts it fills in itself. */
export type BundleManifestInput = Omit<BundleManifest, 'format' | 'formatVersion' | 'files'>

export const BundleSignatureSchema = z.strictObject({
  alg: z.literal(BUNDLE_SIGNATURE_ALG),
  keyId: NonEmptySchema,
  // An Ed25519 signature is 64 bytes: 86 base64 characters and two pad characters.
  value: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'must be a base64 Ed25519 signature (64 bytes)'),
})
export type BundleSignature = z.infer<typeof BundleSignatureSchema>

export const BundleFilesSchema = z.strictObject({
  'model.json': Base64Schema,
  'weights.bin': Base64Schema,
})

/**
 * The one JSON document that is served and pushed. The signature is over the UTF-8 bytes of
 * canonicalJson(manifest); the manifest holds each file's sha256, so it covers the files too.
 * Outside the manifest nothing is signed, so the envelope is strict: unknown fields are rejected.
 * Inside, unknown fields are tolerated (they are signed) but not returned.
 */
export const BundleDocumentSchema = z.strictObject({
  manifest: BundleManifestSchema,
  signature: BundleSignatureSchema,
  files: BundleFilesSchema,
})
export type BundleDocument = z.infer<typeof BundleDocumentSchema>
