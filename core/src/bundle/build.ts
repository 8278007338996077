import { canonicalJson } from './canonical-json.ts'
import { describeIssues } from './errors.ts'
import { bytesToBase64, sha256Hex, utf8 } from './encoding.ts'
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  BUNDLE_SIGNATURE_ALG,
  BundleManifestSchema,
  type BundleDocument,
  type BundleManifestInput,
} from './manifest.ts'

export interface BuildBundleInput {
  manifest: BundleManifestInput
  /** TensorFlow.js `model.json` (topology and weights manifest), as written. */
  modelJson: Uint8Array
  /** The weights shard(s) as one file. */
  weights: Uint8Array
}

export interface BuiltBundle {
  document: BundleDocument
  /** canonicalJson(document) as UTF-8: what is stored and served. */
  bytes: Uint8Array
  /** sha256 hex of `bytes`: the bundle's identity. */
  digest: string
}

/**
 * Fills in the format, each file's sha256 and size, and signs canonicalJson(manifest) with Ed25519.
 * The manifest is validated first, so nothing that verifyBundle would reject is ever signed.
 */
export async function buildBundle(
  input: BuildBundleInput,
  signer: { key: CryptoKey; keyId: string }
): Promise<BuiltBundle> {
  const parsed = BundleManifestSchema.safeParse({
    ...input.manifest,
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    files: {
      'model.json': { sha256: await sha256Hex(input.modelJson), size: input.modelJson.length },
      'weights.bin': { sha256: await sha256Hex(input.weights), size: input.weights.length },
    },
  })
  if (!parsed.success) {
    throw new TypeError(`buildBundle: invalid manifest: ${describeIssues(parsed.error)}`, {
      cause: parsed.error,
    })
  }
  const manifest = parsed.data
  const signature = await crypto.subtle.sign(
    BUNDLE_SIGNATURE_ALG,
    signer.key,
    utf8(canonicalJson(manifest))
  )
  const document: BundleDocument = {
    manifest,
    signature: {
      alg: BUNDLE_SIGNATURE_ALG,
      keyId: signer.keyId,
      value: bytesToBase64(new Uint8Array(signature)),
    },
    files: {
      'model.json': bytesToBase64(input.modelJson),
      'weights.bin': bytesToBase64(input.weights),
    },
  }
  const bytes = utf8(canonicalJson(document))
  return { document, bytes, digest: await sha256Hex(bytes) }
}
