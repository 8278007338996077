// The signed model bundle: built by the control plane, verified by the edge worker and the widget.
export { canonicalJson } from './canonical-json.ts'
export { base64ToBytes, bytesToBase64, isBase64, sha256Hex } from './encoding.ts'
export { BundleVerificationError, type BundleVerificationCode } from './errors.ts'
export {
  generateSigningKey,
  importSigningKey,
  importVerifyKey,
  keyIdOf,
  type SigningKey,
  type SigningKeyMaterial,
} from './keys.ts'
export {
  BUNDLE_FILES,
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  BUNDLE_SIGNATURE_ALG,
  BundleDocumentSchema,
  BundleFileEntrySchema,
  BundleFilesSchema,
  BundleManifestSchema,
  BundleSignatureSchema,
  type BundleDocument,
  type BundleFileEntry,
  type BundleFileName,
  type BundleManifest,
  type BundleManifestInput,
  type BundleSignature,
} from './manifest.ts'
export { buildBundle, type BuildBundleInput, type BuiltBundle } from './build.ts'
export { verifyBundle } from './verify.ts'
export {
  verifySignedBundle,
  webCryptoSignatureCheck,
  type SignatureCheck,
  type TrustedKeys,
  type VerifiedBundle,
} from './verify-signed.ts'
