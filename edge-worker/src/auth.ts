import { sha256Hex } from '@fcv/core'
import type { Config } from './env.ts'
import { ApiError } from './errors.ts'

const encoder = new TextEncoder()

function unauthorized(): ApiError {
  // One message for every cause: a caller learns nothing about which part was wrong.
  return new ApiError(401, 'unauthorized', 'a valid publisher token is required', {
    headers: { 'www-authenticate': 'Bearer realm="fcv-edge"' },
  })
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

/** Equal-length byte arrays compared in time independent of where they differ. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  // workerd's own (a Workers extension of Web Crypto); the loop is the portable equivalent.
  const subtle = crypto.subtle as { timingSafeEqual?: (a: Uint8Array, b: Uint8Array) => boolean }
  if (typeof subtle.timingSafeEqual === 'function') return subtle.timingSafeEqual(a, b)
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

/**
 * Checks `Authorization: Bearer <token>` against the configured publisher token by comparing
 * sha256 digests in constant time: the comparison's length and timing say nothing about the token.
 * Throws a 401 otherwise, also when no token is configured (the admin routes are then closed).
 */
export async function requirePublisher(authorization: string | undefined, config: Config) {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')
  const presented = match?.[1]
  if (!presented || !config.publisher) {
    if (!config.publisher)
      console.warn('fcv-edge: admin request refused: no publisher token is configured')
    throw unauthorized()
  }
  const expected =
    'sha256Hex' in config.publisher
      ? config.publisher.sha256Hex
      : await sha256Hex(encoder.encode(config.publisher.token))
  const actual = await sha256Hex(encoder.encode(presented))
  if (!constantTimeEqual(hexBytes(actual), hexBytes(expected))) throw unauthorized()
}
