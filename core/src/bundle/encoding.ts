// Bytes <-> base64 and sha256 with Web APIs only, so the same code runs in Node, workerd and browsers.

// One character class plus a length check: a regex that repeats 4-character groups runs out of
// backtracking stack on the multi-megabyte strings that carry weights.
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/

/** Standard base64 with padding, the only form the bundle uses (no url alphabet, no whitespace). */
export function isBase64(text: string): boolean {
  return text.length % 4 === 0 && BASE64_CHARS.test(text)
}

// Pure: a bundle without bytesToBase64 (the widget's script) leaves the table out.
const ALPHABET = /* @__PURE__ */ new TextEncoder().encode(
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
)
const PAD = 0x3d // '='

/**
 * Standard padded base64. A table encoder into an ASCII buffer, not btoa: btoa needs one "binary
 * string" (built in chunks, since String.fromCharCode(...bytes) overflows the stack on large arrays),
 * and that route is 3-4x slower on Node for multi-megabyte weights.
 */
export function bytesToBase64(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4)
  const whole = bytes.length - (bytes.length % 3)
  let o = 0
  const put = (v: number, chars: number) => {
    out[o++] = ALPHABET[v >>> 18]!
    out[o++] = ALPHABET[(v >>> 12) & 63]!
    out[o++] = chars > 2 ? ALPHABET[(v >>> 6) & 63]! : PAD
    out[o++] = chars > 3 ? ALPHABET[v & 63]! : PAD
  }
  for (let i = 0; i < whole; i += 3)
    put((bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!, 4)
  if (bytes.length - whole === 1) put(bytes[whole]! << 16, 2)
  if (bytes.length - whole === 2) put((bytes[whole]! << 16) | (bytes[whole + 1]! << 8), 3)
  return new TextDecoder().decode(out)
}

/** Decodes standard padded base64; throws a TypeError on anything else (atob alone is lenient). */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  if (!isBase64(text)) throw new TypeError('not standard padded base64')
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** base64url without padding (JWK fields) to bytes. */
export function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/')
  return base64ToBytes(b64 + '='.repeat((4 - (b64.length % 4)) % 4))
}

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text)
}

export function bytesToHex(bytes: Uint8Array): string {
  let hex = ''
  for (const b of bytes) hex += b.toString(16).padStart(2, '0')
  return hex
}

/**
 * WebCrypto takes only ArrayBuffer-backed views (TS 5.7+ types say so too); copy the rare view over
 * a SharedArrayBuffer instead of casting.
 */
export function asBufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return Object.prototype.toString.call(bytes.buffer) === '[object ArrayBuffer]'
    ? (bytes as Uint8Array<ArrayBuffer>)
    : new Uint8Array(bytes)
}

/** sha256 of the bytes as 64 lowercase hex characters. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return bytesToHex(new Uint8Array(await crypto.subtle.digest('SHA-256', asBufferSource(bytes))))
}
