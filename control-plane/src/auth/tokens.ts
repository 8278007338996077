import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Role } from '../db/schema.ts'

/**
 * A new API token: 32 random bytes, prefixed with `fcv_` and the role so a leaked token is
 * recognisable (secret scanners, logs). Only its SHA-256 is stored; the token is shown once.
 */
export function newToken(role: Role): string {
  return `fcv_${role}_${randomBytes(32).toString('base64url')}`
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/** Equal hashes, compared in constant time (the hashes have a fixed length). */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y)
}

/** The bearer token of an Authorization header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const m = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header ?? '')
  return m ? m[1]! : null
}
