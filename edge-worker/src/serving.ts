// What this isolate serves: per channel, the champion, canary and shadow bundles the KV pointers
// name, each verified before it is used. Everything here outlives a request (module state of the
// isolate), so a KV outage or a bad bundle leaves the last good one in place.
//
// Only settled values are shared between requests, never a pending promise: in workerd, a request
// that awaits I/O another request started is resumed in that request's context, and then fails
// with "Cannot perform I/O on behalf of a different request" (the edge benchmark found it). So
// while one request refreshes a channel, the others serve the view they already have.

import type { KVNamespace } from '@cloudflare/workers-types'
import {
  sha256Hex,
  verifyBundle,
  type BundleManifest,
  type TelemetryServing,
  type TrustedKeys,
} from '@fcv/core'
import type { BackgroundContext } from './background.ts'
import type { Config } from './env.ts'
import { Lru } from './lru.ts'
import {
  CHANNELS,
  getBundleBytes,
  getPointer,
  ROLES,
  type Channel,
  type Pointer,
  type Role,
} from './store.ts'

export interface LoadedBundle {
  digest: string
  /** The signed document as stored: what widgets are served. */
  bytes: Uint8Array
  manifest: BundleManifest
  keyId: string
  modelJson: Uint8Array
  weights: Uint8Array
}

export interface Slot {
  pointer: Pointer
  bundle: LoadedBundle
}

export interface ChannelView {
  champion: Slot | null
  canary: Slot | null
  shadow: Slot | null
  /** When KV was last read for this channel (ms); -Infinity: never. */
  checkedAt: number
  /** Why the last refresh could not take everything it read (KV error, missing or bad bundle). */
  problem: string | null
}

/** The stored bytes are not the bundle their key names, or do not verify. */
export class BundleLoadError extends Error {
  override name = 'BundleLoadError'
}

const EMPTY: Omit<ChannelView, 'checkedAt'> = {
  champion: null,
  canary: null,
  shadow: null,
  problem: null,
}

export class Serving {
  private readonly views = new Map<Channel, ChannelView>()
  /** Channels a request is refreshing now; the others serve the current view meanwhile. */
  private readonly refreshing = new Set<Channel>()
  /** Bumped by adopt(): a refresh that started before it must not overwrite what it adopted. */
  private readonly generation = new Map<Channel, number>()
  /** Verified bundles by digest. */
  private readonly bundles = new Lru<string, LoadedBundle>(8)

  private readonly now: () => number
  constructor(now: () => number = Date.now) {
    this.now = now
  }

  /**
   * The channel's current view, from memory. Once it is older than MODEL_REFRESH_SECONDS, the
   * request that notices reads the pointers again after its response (`background`); it and the
   * requests meanwhile get the view in memory, the last good one. An isolate without a champion in
   * memory reads before it answers. Never throws: problems are kept in `problem`.
   */
  async view(
    kv: KVNamespace,
    config: Config,
    channel: Channel,
    background: BackgroundContext
  ): Promise<ChannelView> {
    const current = this.views.get(channel)
    if (current && this.now() - current.checkedAt < config.modelRefreshMs) return current
    if (current && this.refreshing.has(channel)) return current
    if (current?.champion) {
      // Stale while revalidating: no request waits on KV once the isolate has a champion. When
      // requests awaited the read under load, local workerd reset bursts of connections
      // (bench/README.md). Without a champion (only a canary pushed here) this request reads.
      this.refreshing.add(channel)
      background.waitUntil(
        this.refresh(kv, config, channel).finally(() => this.refreshing.delete(channel))
      )
      return current
    }
    // No champion in memory yet (a cold isolate): every request reads for itself until one has.
    this.refreshing.add(channel)
    try {
      return await this.refresh(kv, config, channel)
    } finally {
      this.refreshing.delete(channel)
    }
  }

  /** A stored bundle by digest, verified; null when KV does not have it. Throws on KV errors. */
  async bundle(
    kv: KVNamespace,
    trusted: TrustedKeys,
    digest: string
  ): Promise<LoadedBundle | null> {
    const cached = this.bundles.get(digest)
    if (cached) return cached
    // Only a bundle that loaded is kept (a missing one may arrive, a KV error may pass).
    const bytes = await getBundleBytes(kv, digest)
    if (bytes === null) return null
    const loaded = this.bundles.get(digest) ?? (await loadBundle(bytes, digest, trusted))
    this.bundles.set(digest, loaded)
    return loaded
  }

  /**
   * What a request would be served now: each loaded champion, canary and shadow of the channels
   * this isolate has a view of (the views requests last refreshed or an admin push adopted), in
   * channel and role order; empty until a request has asked for a channel. For telemetry's
   * `serving`, so the control plane sees versions an isolate still serves after a deployment.
   */
  served(): TelemetryServing[] {
    const served: TelemetryServing[] = []
    for (const channel of CHANNELS) {
      const view = this.views.get(channel)
      for (const role of ROLES) {
        const slot = view?.[role]
        if (slot)
          served.push({ channel, variant: role, modelVersion: slot.bundle.manifest.version })
      }
    }
    return served
  }

  /** Takes a bundle this isolate just verified and stored, without waiting for the next refresh. */
  adopt(channel: Channel, role: Role, pointer: Pointer, bundle: LoadedBundle): void {
    this.bundles.set(bundle.digest, bundle)
    this.generation.set(channel, (this.generation.get(channel) ?? 0) + 1)
    const view = this.views.get(channel) ?? { ...EMPTY, checkedAt: -Infinity }
    this.views.set(channel, { ...view, [role]: { pointer, bundle } })
  }

  /** Stops serving a canary or shadow that was withdrawn through this isolate. */
  withdraw(channel: Channel, role: Exclude<Role, 'champion'>): void {
    this.generation.set(channel, (this.generation.get(channel) ?? 0) + 1)
    const view = this.views.get(channel)
    if (view) this.views.set(channel, { ...view, [role]: null })
  }

  private async refresh(kv: KVNamespace, config: Config, channel: Channel): Promise<ChannelView> {
    const generation = this.generation.get(channel) ?? 0
    const before = this.views.get(channel) ?? { ...EMPTY, checkedAt: -Infinity }
    const checkedAt = this.now()
    const problems: string[] = []
    let pointers: (Pointer | null)[]
    try {
      pointers = await Promise.all(ROLES.map((role) => getPointer(kv, channel, role)))
    } catch (e) {
      // KV is down or a pointer is unreadable: keep everything, look again after the refresh period.
      const problem = `reading the ${channel} pointers failed (${describe(e)}); serving what was loaded before`
      console.warn(`fcv-edge: ${problem}`)
      return this.settle(channel, generation, { ...before, checkedAt, problem })
    }
    const next: ChannelView = { ...EMPTY, checkedAt, problem: null }
    for (const [i, role] of ROLES.entries()) {
      const pointer = pointers[i] ?? null
      const previous = before[role]
      if (!pointer) {
        // A champion never disappears on purpose; an empty read is a KV hiccup or a wiped
        // namespace, and the last good champion is better than none. Canary and shadow do go away.
        next[role] = role === 'champion' ? previous : null
        continue
      }
      if (previous && previous.bundle.digest === pointer.digest) {
        next[role] = { pointer, bundle: previous.bundle }
        continue
      }
      try {
        const bundle = await this.bundle(kv, config.trustedKeys, pointer.digest)
        if (!bundle) throw new BundleLoadError(`bundle/${pointer.digest} is not in KV (yet)`)
        next[role] = { pointer, bundle }
      } catch (e) {
        problems.push(`${role} ${pointer.version} (${pointer.digest.slice(0, 12)}): ${describe(e)}`)
        next[role] = previous
      }
    }
    if (problems.length) {
      next.problem = `not loaded on ${channel}: ${problems.join('; ')}; serving what was loaded before`
      console.warn(`fcv-edge: ${next.problem}`)
    }
    return this.settle(channel, generation, next)
  }

  private settle(channel: Channel, generation: number, view: ChannelView): ChannelView {
    // Something was adopted while KV was read: the adopted state is newer than what was read.
    if ((this.generation.get(channel) ?? 0) !== generation) return this.views.get(channel) ?? view
    this.views.set(channel, view)
    return view
  }
}

/** Checks that the bytes are the bundle `digest` names and that it verifies; parses it. */
export async function loadBundle(
  bytes: Uint8Array,
  digest: string,
  trusted: TrustedKeys
): Promise<LoadedBundle> {
  const actual = await sha256Hex(bytes)
  if (actual !== digest) {
    throw new BundleLoadError(`stored bytes have sha256 ${actual.slice(0, 12)}…, not ${digest}`)
  }
  const verified = await verifyBundle(bytes, trusted)
  return {
    digest,
    bytes,
    manifest: verified.manifest,
    keyId: verified.keyId,
    modelJson: verified.modelJson,
    weights: verified.weights,
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code
    return `${e.name}${typeof code === 'string' ? ` ${code}` : ''}: ${e.message}`
  }
  return String(e)
}
