import { canonicalJson } from './canonical-json.ts'
import { BundleVerificationError, describeIssues } from './errors.ts'
import { base64ToBytes, sha256Hex, utf8 } from './encoding.ts'
import { importVerifyKey } from './keys.ts'
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  BUNDLE_SIGNATURE_ALG,
  BundleDocumentSchema,
  BundleFilesSchema,
  type BundleDocument,
  type BundleFileName,
  type BundleManifest,
} from './manifest.ts'

/** Trusted public keys by key id: a CryptoKey, or the base64 of the 32 raw bytes. */
export type TrustedKeys = Record<string, CryptoKey | string>

export interface VerifiedBundle {
  manifest: BundleManifest
  modelJson: Uint8Array
  weights: Uint8Array
  /** The key that signed it. */
  keyId: string
}

// Files may be absent at parse time so that a missing one is reported as 'missing-file'.
const IncomingDocumentSchema = BundleDocumentSchema.extend({ files: BundleFilesSchema.partial() })

/**
 * Checks a bundle before anything in it is used: its shape, that the signing key is trusted, the
 * Ed25519 signature over canonicalJson(manifest), and each file's size and sha256. Returns the
 * contents only when every check passed; otherwise throws a BundleVerificationError.
 */
export async function verifyBundle(
  input: BundleDocument | Uint8Array | string,
  trusted: TrustedKeys
): Promise<VerifiedBundle> {
  const raw = parseJson(input)
  checkFormat(raw)
  const parsed = IncomingDocumentSchema.safeParse(raw)
  if (!parsed.success) {
    throw new BundleVerificationError('malformed', `bundle: ${describeIssues(parsed.error)}`, {
      cause: parsed.error,
    })
  }
  const doc = parsed.data
  // The signature covers the manifest as received, unknown fields included, not the parsed copy.
  // Serialised before the first await, so what is verified is what was parsed.
  const signed = signedBytes((raw as { manifest: unknown }).manifest)
  const { keyId } = doc.signature
  const key = await trustedKey(trusted, keyId)
  const ok = await crypto.subtle.verify(
    BUNDLE_SIGNATURE_ALG,
    key,
    base64ToBytes(doc.signature.value),
    signed
  )
  if (!ok) {
    throw new BundleVerificationError(
      'bad-signature',
      `signature.value does not verify with key ${keyId}: the manifest was changed or signed by another key`
    )
  }
  const modelJson = await checkedFile(doc, 'model.json')
  const weights = await checkedFile(doc, 'weights.bin')
  return { manifest: doc.manifest, modelJson, weights, keyId }
}

function parseJson(input: BundleDocument | Uint8Array | string): unknown {
  if (typeof input !== 'string' && !ArrayBuffer.isView(input)) return input
  try {
    const text =
      typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input)
    return JSON.parse(text)
  } catch (cause) {
    throw new BundleVerificationError('malformed', `bundle: not UTF-8 JSON (${String(cause)})`, {
      cause,
    })
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A newer format is 'unsupported-format', not 'malformed', so operators know to upgrade. */
function checkFormat(raw: unknown): void {
  if (!isRecord(raw)) return
  const must = (where: string, actual: unknown, wanted: string | number) => {
    if (actual !== undefined && actual !== wanted) {
      throw new BundleVerificationError(
        'unsupported-format',
        `${where} is ${show(actual)}; this verifier reads ${JSON.stringify(wanted)}`
      )
    }
  }
  if (isRecord(raw['manifest'])) {
    must('manifest.format', raw['manifest']['format'], BUNDLE_FORMAT)
    must('manifest.formatVersion', raw['manifest']['formatVersion'], BUNDLE_FORMAT_VERSION)
  }
  if (isRecord(raw['signature'])) {
    must('signature.alg', raw['signature']['alg'], BUNDLE_SIGNATURE_ALG)
  }
}

function show(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number'
    ? JSON.stringify(value).slice(0, 64)
    : `a value of type ${value === null ? 'null' : typeof value}`
}

function signedBytes(manifest: unknown): Uint8Array<ArrayBuffer> {
  try {
    return utf8(canonicalJson(manifest))
  } catch (cause) {
    throw new BundleVerificationError('malformed', `manifest: ${String(cause)}`, { cause })
  }
}

async function trustedKey(trusted: TrustedKeys, keyId: string): Promise<CryptoKey> {
  // hasOwn: a key id such as "constructor" must not find something on Object.prototype.
  const key = Object.hasOwn(trusted, keyId) ? trusted[keyId] : undefined
  if (key === undefined) {
    const known = Object.keys(trusted).join(', ') || 'none'
    throw new BundleVerificationError(
      'unknown-key',
      `signature.keyId ${JSON.stringify(keyId.slice(0, 64))} is not trusted (trusted: ${known})`
    )
  }
  return typeof key === 'string' ? importVerifyKey(key) : key
}

async function checkedFile(
  doc: { manifest: BundleManifest; files: Partial<Record<BundleFileName, string>> },
  name: BundleFileName
): Promise<Uint8Array> {
  const encoded = doc.files[name]
  if (encoded === undefined) {
    throw new BundleVerificationError('missing-file', `files["${name}"] is missing`)
  }
  const bytes = base64ToBytes(encoded)
  const expected = doc.manifest.files[name]
  if (bytes.length !== expected.size) {
    throw new BundleVerificationError(
      'size-mismatch',
      `files["${name}"] is ${bytes.length} bytes; manifest.files["${name}"].size is ${expected.size}`
    )
  }
  const digest = await sha256Hex(bytes)
  if (digest !== expected.sha256) {
    throw new BundleVerificationError(
      'digest-mismatch',
      `files["${name}"] has sha256 ${digest}; manifest.files["${name}"].sha256 is ${expected.sha256}`
    )
  }
  return bytes
}
