// The KV layout. Two kinds of keys, both small to read and each written with one put:
//
//   bundle/<sha256 hex of the document bytes>   the signed bundle document exactly as pushed
//                                               (immutable: the key is its content's digest)
//   pointer/<channel>/<role>                    {"digest","model","version","at"[, "canaryShare"]}
//                                               which bundle a channel serves in a role
//
// A push writes the bundle first and the pointer second, so a pointer only ever names a bundle
// that was stored; switching is the single put of the pointer. KV is eventually consistent across
// locations, so a reader can still see a pointer before the bundle: it keeps what it had (serving.ts).

import type { KVNamespace } from '@cloudflare/workers-types'
import { CHANNELS, SERVING_ROLES, type Channel, type ServingRole } from '@fcv/core'
import { z } from 'zod'

export { CHANNELS, type Channel }
export const ROLES = SERVING_ROLES
export type Role = ServingRole

export const DigestSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits')

export const PointerSchema = z.object({
  digest: DigestSchema,
  model: z.string().min(1),
  version: z.string().min(1),
  /** When the pointer was switched (ISO 8601). */
  at: z.string(),
  /** Role canary only: the share of customers it serves, in [0, 1]. */
  canaryShare: z.number().min(0).max(1).optional(),
})
export type Pointer = z.infer<typeof PointerSchema>

export const bundleKey = (digest: string) => `bundle/${digest}`
export const pointerKey = (channel: Channel, role: Role) => `pointer/${channel}/${role}`

/** A pointer key whose value is not a pointer: treated like a KV failure (keep the last good). */
export class StoreError extends Error {
  override name = 'StoreError'
}

export interface BundleMetadata {
  model: string
  version: string
  keyId: string
  size: number
  storedAt: string
}

export async function putBundle(
  kv: KVNamespace,
  digest: string,
  bytes: Uint8Array,
  metadata: BundleMetadata
): Promise<void> {
  await kv.put(bundleKey(digest), bytes, { metadata })
}

/** The stored document, or null when this location's KV does not have it (yet). */
export async function getBundleBytes(kv: KVNamespace, digest: string): Promise<Uint8Array | null> {
  // Immutable under its key, so the location may cache it for long.
  const value = await kv.get(bundleKey(digest), { type: 'arrayBuffer', cacheTtl: 86_400 })
  return value === null ? null : new Uint8Array(value)
}

/** Whether KV has the document under `digest` (a key listing: the value is not read). */
export async function hasBundle(kv: KVNamespace, digest: string): Promise<boolean> {
  const { keys } = await kv.list({ prefix: bundleKey(digest), limit: 1 })
  return keys.some((k) => k.name === bundleKey(digest))
}

export async function putPointer(
  kv: KVNamespace,
  channel: Channel,
  role: Role,
  pointer: Pointer
): Promise<void> {
  await kv.put(pointerKey(channel, role), JSON.stringify(pointer))
}

export async function getPointer(
  kv: KVNamespace,
  channel: Channel,
  role: Role
): Promise<Pointer | null> {
  const text = await kv.get(pointerKey(channel, role), { type: 'text' })
  if (text === null) return null
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw new StoreError(`${pointerKey(channel, role)} is not JSON`)
  }
  const parsed = PointerSchema.safeParse(raw)
  if (!parsed.success) throw new StoreError(`${pointerKey(channel, role)} is not a pointer`)
  return parsed.data
}

export async function deletePointer(kv: KVNamespace, channel: Channel, role: Role): Promise<void> {
  await kv.delete(pointerKey(channel, role))
}
