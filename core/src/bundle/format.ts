// The bundle's format constants, apart from its schemas (manifest.ts) so that code which only
// verifies bundles (verify-signed.ts, and so the widget) does not load zod.

export const BUNDLE_FORMAT = 'fcv-bundle'
export const BUNDLE_FORMAT_VERSION = 1
export const BUNDLE_SIGNATURE_ALG = 'Ed25519'
/** The files of a bundle, in the TensorFlow.js layers format: topology and weight manifest, weights. */
export const BUNDLE_FILES = ['model.json', 'weights.bin'] as const
export type BundleFileName = (typeof BUNDLE_FILES)[number]
