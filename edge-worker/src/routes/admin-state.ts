// GET /_admin/bundles: what this Worker's KV says it serves, per channel and role, read from KV
// itself (not from an isolate's memory, which outlives a wiped namespace). The control plane's
// reconciler compares it with the desired state and pushes or withdraws what differs.

import type { Hono } from 'hono'
import type { AppEnv } from '../app-env.ts'
import { requirePublisher } from '../auth.ts'
import { configOf } from '../env.ts'
import { ApiError } from '../errors.ts'
import {
  CHANNELS,
  getPointer,
  hasBundle,
  ROLES,
  type Channel,
  type Pointer,
  type Role,
} from '../store.ts'

export type StoredSlot = Pointer & {
  channel: Channel
  role: Role
  /** Whether KV holds the bundle the pointer names (a partly wiped namespace may not). */
  stored: boolean
}

export function adminStateRoutes(app: Hono<AppEnv>): void {
  app.get('/_admin/bundles', async (c) => {
    await requirePublisher(c.req.header('authorization'), configOf(c.env))
    const kv = c.env.BUNDLES
    const wanted = CHANNELS.flatMap((channel) => ROLES.map((role) => ({ channel, role })))
    let slots: StoredSlot[]
    try {
      const read = await Promise.all(
        wanted.map(async ({ channel, role }) => {
          const pointer = await getPointer(kv, channel, role)
          if (!pointer) return null
          return { channel, role, ...pointer, stored: await hasBundle(kv, pointer.digest) }
        })
      )
      slots = read.filter((s): s is StoredSlot => s !== null)
    } catch (e) {
      console.error(`fcv-edge: reading the bundle pointers failed: ${(e as Error).message}`)
      throw new ApiError(503, 'store_unavailable', 'the bundle store is unavailable; retry', {
        headers: { 'retry-after': '5' },
        cause: e,
      })
    }
    c.header('cache-control', 'no-store')
    return c.json({ slots })
  })
}
