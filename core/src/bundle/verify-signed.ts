// The checks that make a bundle safe to use, without zod: the envelope fields the verification
// itself reads, the trusted key, the Ed25519 signature over canonicalJson(manifest), and each
// file's size and sha256. verifyBundle (verify.ts) runs the full schemas first and then these; the
// widget runs only these, to stay small. What it skips is sound to skip: the control plane signs
// only a manifest that passed BundleManifestSchema (buildBundle) and a model.json that core can
// score (bundle-builder.ts), so a verified signature vouches for both.

import { isRecord } from '../is-record.ts'
import { canonicalJson } from './canonical-json.ts'
import { BundleVerificationError } from './errors.ts'
import { base64ToBytes, isBase64, sha256Hex, utf8 } from './encoding.ts'
import { importVerifyKey } from './keys.ts'
import {
  BUNDLE_FILES,
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  BUNDLE_SIGNATURE_ALG,
  type BundleFileName,
} from './format.ts'
import type { BundleManifest } from './manifest.ts'

/** Trusted public keys by key id: a CryptoKey, or the base64 of the 32 raw bytes. */
export type TrustedKeys = Record<string, CryptoKey | string>

/**
 * Checks an Ed25519 signature. WebCrypto's by default; a runtime without Ed25519 in WebCrypto (some
 * browsers) passes another implementation (the widget loads one only then).
 */
export type SignatureCheck = (
  key: CryptoKey | string,
  signature: Uint8Array<ArrayBuffer>,
  data: Uint8Array<ArrayBuffer>
) => Promise<boolean>

export const webCryptoSignatureCheck: SignatureCheck = async (key, signature, data) =>
  crypto.subtle.verify(
    BUNDLE_SIGNATURE_ALG,
    typeof key === 'string' ? await importVerifyKey(key) : key,
    signature,
    data
  )

export interface VerifiedBundle {
  manifest: BundleManifest
  modelJson: Uint8Array
  weights: Uint8Array
  /** The key that signed it. */
  keyId: string
}

type Json = Record<string, unknown>

const SIGNATURE_VALUE = /^[A-Za-z0-9+/]{86}==$/
const SHA256_HEX = /^[0-9a-f]{64}$/

/**
 * Verifies a bundle (its bytes, its text or the parsed document) against the trusted keys and
 * returns its contents, or throws a BundleVerificationError naming the field or file at fault.
 */
export async function verifySignedBundle(
  input: unknown,
  trusted: TrustedKeys,
  check: SignatureCheck = webCryptoSignatureCheck
): Promise<VerifiedBundle> {
  const raw = parseBundleJson(input)
  checkBundleFormat(raw)
  return verifySignedDocument(raw, trusted, check)
}

/**
 * verifySignedBundle's checks after parsing and the format check, for a caller that has done
 * those already (verifyBundle, which parses once for its schemas and the signature).
 */
export async function verifySignedDocument(
  raw: unknown,
  trusted: TrustedKeys,
  check: SignatureCheck = webCryptoSignatureCheck
): Promise<VerifiedBundle> {
  const { manifest, signature, files } = envelopeOf(raw)
  // The signature covers the manifest as received, unknown fields included. Serialised before the
  // first await, so what is verified is what was checked.
  const signed = signedBytes(manifest)
  const keyId = signature['keyId'] as string
  const ok = await check(
    trustedKey(trusted, keyId),
    base64ToBytes(signature['value'] as string),
    signed
  )
  if (!ok) {
    throw new BundleVerificationError(
      'bad-signature',
      `signature.value does not verify with key ${keyId}: the manifest was changed or signed by another key`
    )
  }
  const table = manifest['files'] as Record<BundleFileName, { sha256: string; size: number }>
  const modelJson = await checkedFile(files, table, 'model.json')
  const weights = await checkedFile(files, table, 'weights.bin')
  return { manifest: manifest as unknown as BundleManifest, modelJson, weights, keyId }
}

/** The document from its bytes or text (a parsed document passes through). */
export function parseBundleJson(input: unknown): unknown {
  if (typeof input !== 'string' && !ArrayBuffer.isView(input)) return input
  try {
    const text =
      typeof input === 'string'
        ? input
        : new TextDecoder('utf-8', { fatal: true }).decode(input as Uint8Array)
    return JSON.parse(text)
  } catch (cause) {
    throw new BundleVerificationError('malformed', `bundle: not UTF-8 JSON (${String(cause)})`, {
      cause,
    })
  }
}

function malformed(field: string, problem: string): BundleVerificationError {
  return new BundleVerificationError('malformed', `${field}: ${problem}`)
}

/** A newer format is 'unsupported-format', not 'malformed', so operators know to upgrade. */
export function checkBundleFormat(raw: unknown): void {
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

/** The parts the verification reads, each checked for the shape it is read with. */
function envelopeOf(raw: unknown): { manifest: Json; signature: Json; files: Json } {
  if (!isRecord(raw)) throw malformed('(document)', 'must be a JSON object')
  const { manifest, signature, files } = raw
  if (!isRecord(manifest)) throw malformed('manifest', 'must be an object')
  if (!isRecord(signature)) throw malformed('signature', 'must be an object')
  if (!isRecord(files)) throw malformed('files', 'must be an object')
  if (manifest['format'] === undefined) throw malformed('manifest.format', 'is missing')
  if (manifest['formatVersion'] === undefined)
    throw malformed('manifest.formatVersion', 'is missing')
  if (signature['alg'] === undefined) throw malformed('signature.alg', 'is missing')
  const keyId = signature['keyId']
  if (typeof keyId !== 'string' || keyId === '') {
    throw malformed('signature.keyId', 'must be a non-empty string')
  }
  if (typeof signature['value'] !== 'string' || !SIGNATURE_VALUE.test(signature['value'])) {
    throw malformed('signature.value', 'must be a base64 Ed25519 signature (64 bytes)')
  }
  const table = manifest['files']
  if (!isRecord(table)) throw malformed('manifest.files', 'must be an object')
  for (const name of BUNDLE_FILES) {
    const entry = table[name]
    const field = `manifest.files["${name}"]`
    if (!isRecord(entry)) throw malformed(field, 'must be an object')
    if (typeof entry['sha256'] !== 'string' || !SHA256_HEX.test(entry['sha256'])) {
      throw malformed(`${field}.sha256`, 'must be 64 lowercase hex characters')
    }
    const size = entry['size']
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      throw malformed(`${field}.size`, 'must be a whole number of bytes')
    }
    const encoded = files[name]
    if (encoded !== undefined && (typeof encoded !== 'string' || !isBase64(encoded))) {
      throw malformed(`files["${name}"]`, 'must be standard padded base64')
    }
  }
  return { manifest, signature, files }
}

function signedBytes(manifest: unknown): Uint8Array<ArrayBuffer> {
  try {
    return utf8(canonicalJson(manifest))
  } catch (cause) {
    throw new BundleVerificationError('malformed', `manifest: ${String(cause)}`, { cause })
  }
}

function trustedKey(trusted: TrustedKeys, keyId: string): CryptoKey | string {
  // hasOwn: a key id such as "constructor" must not find something on Object.prototype.
  const key = Object.hasOwn(trusted, keyId) ? trusted[keyId] : undefined
  if (key === undefined) {
    const known = Object.keys(trusted).join(', ') || 'none'
    throw new BundleVerificationError(
      'unknown-key',
      `signature.keyId ${JSON.stringify(keyId.slice(0, 64))} is not trusted (trusted: ${known})`
    )
  }
  return key
}

async function checkedFile(
  files: Json,
  table: Record<BundleFileName, { sha256: string; size: number }>,
  name: BundleFileName
): Promise<Uint8Array> {
  const encoded = files[name] as string | undefined
  if (encoded === undefined) {
    throw new BundleVerificationError('missing-file', `files["${name}"] is missing`)
  }
  const bytes = base64ToBytes(encoded)
  const expected = table[name]
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
