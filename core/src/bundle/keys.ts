import { base64ToBytes, base64UrlToBytes, bytesToBase64, sha256Hex } from './encoding.ts'

// Ed25519 keys through WebCrypto. Keys travel as base64: the private key as PKCS#8 (what openssl
// and node:crypto write), the public key as its 32 raw bytes.

const ED25519 = { name: 'Ed25519' } as const

export interface SigningKeyMaterial {
  /** PKCS#8, base64. A secret. */
  privateKeyPkcs8: string
  /** The 32 raw public key bytes, base64. */
  publicKey: string
  keyId: string
}

export interface SigningKey {
  /** Non-extractable: once imported, the private key cannot be read back out. */
  key: CryptoKey
  keyId: string
  publicKey: string
}

/** First 16 hex characters of sha256(raw public key): names a key without configuring a name. */
export async function keyIdOf(publicKeyRaw: Uint8Array): Promise<string> {
  return (await sha256Hex(publicKeyRaw)).slice(0, 16)
}

export async function generateSigningKey(): Promise<SigningKeyMaterial> {
  const pair = await crypto.subtle.generateKey(ED25519, true, ['sign', 'verify'])
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey))
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey))
  return {
    privateKeyPkcs8: bytesToBase64(pkcs8),
    publicKey: bytesToBase64(raw),
    keyId: await keyIdOf(raw),
  }
}

const PEM = /^-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----$/

/** Base64 PKCS#8 or a PEM "PRIVATE KEY" block to the DER bytes. */
function pkcs8Bytes(text: string): Uint8Array<ArrayBuffer> {
  // A PEM pasted into a single-line env var or secret often arrives with literal "\n" sequences;
  // a backslash is never base64, so reading them as line breaks is safe.
  let body = text.replace(/\\n/g, '\n').trim()
  const pem = PEM.exec(body)
  if (pem) {
    if (pem[1] !== 'PRIVATE KEY') {
      throw new TypeError(
        `signing key: expected a PEM "PRIVATE KEY" (PKCS#8) block, got "${pem[1]}"`
      )
    }
    body = pem[2] ?? ''
  } else if (body.startsWith('-----')) {
    throw new TypeError('signing key: unterminated PEM block')
  }
  try {
    return base64ToBytes(body.replace(/\s+/g, ''))
  } catch (cause) {
    throw new TypeError('signing key: not base64 PKCS#8 or a PEM block', { cause })
  }
}

/**
 * Imports an Ed25519 private key (base64 PKCS#8 or PEM) for signing. The public key, and so the
 * key id, is derived from the private key rather than configured, so the two cannot disagree.
 */
export async function importSigningKey(pkcs8Base64OrPem: string): Promise<SigningKey> {
  const der = pkcs8Bytes(pkcs8Base64OrPem)
  let extractable: CryptoKey
  try {
    extractable = await crypto.subtle.importKey('pkcs8', der, ED25519, true, ['sign'])
  } catch (cause) {
    throw new TypeError('signing key: not an Ed25519 PKCS#8 private key', { cause })
  }
  // WebCrypto has no "public key of this private key"; the private JWK carries it as `x`.
  const jwk = await crypto.subtle.exportKey('jwk', extractable)
  if (typeof jwk.x !== 'string') throw new TypeError('signing key: JWK export has no public key')
  const raw = base64UrlToBytes(jwk.x)
  const key = await crypto.subtle.importKey('pkcs8', der, ED25519, false, ['sign'])
  return { key, keyId: await keyIdOf(raw), publicKey: bytesToBase64(raw) }
}

/** Imports a trusted public key (base64 of the 32 raw bytes) for verifying bundles. */
export async function importVerifyKey(publicKeyBase64: string): Promise<CryptoKey> {
  let raw: Uint8Array<ArrayBuffer>
  try {
    raw = base64ToBytes(publicKeyBase64.trim())
  } catch (cause) {
    throw new TypeError('verify key: not base64', { cause })
  }
  if (raw.length !== 32) {
    throw new TypeError(`verify key: an Ed25519 public key is 32 bytes, got ${raw.length}`)
  }
  return crypto.subtle.importKey('raw', raw, ED25519, true, ['verify'])
}
