import { BundleVerificationError, describeIssues } from './errors.ts'
import { BundleDocumentSchema, BundleFilesSchema, type BundleDocument } from './manifest.ts'
import {
  checkBundleFormat,
  parseBundleJson,
  verifySignedDocument,
  type TrustedKeys,
  type VerifiedBundle,
} from './verify-signed.ts'

export type { TrustedKeys, VerifiedBundle }

// Files may be absent at parse time so that a missing one is reported as 'missing-file'.
const IncomingDocumentSchema = BundleDocumentSchema.extend({ files: BundleFilesSchema.partial() })

/**
 * Checks a bundle before anything in it is used: its whole shape against the schemas, then what
 * verifySignedBundle checks (the signing key is trusted, the Ed25519 signature over
 * canonicalJson(manifest), each file's size and sha256). Returns the contents only when every check
 * passed, the manifest as parsed; otherwise throws a BundleVerificationError.
 */
export async function verifyBundle(
  input: BundleDocument | Uint8Array | string,
  trusted: TrustedKeys
): Promise<VerifiedBundle> {
  // Parsed once, so the schemas and the signature see the same document.
  const raw = parseBundleJson(input)
  checkBundleFormat(raw)
  const parsed = IncomingDocumentSchema.safeParse(raw)
  if (!parsed.success) {
    throw new BundleVerificationError('malformed', `bundle: ${describeIssues(parsed.error)}`, {
      cause: parsed.error,
    })
  }
  const verified = await verifySignedDocument(raw, trusted)
  return { ...verified, manifest: parsed.data.manifest }
}
