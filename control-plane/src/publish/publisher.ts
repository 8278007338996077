import type { Channel, ServingRole } from '@fcv/core'

/** What a deployment serves on a channel, in which role. */
export type BundleRole = ServingRole

export interface PublishedBundle {
  model: string
  version: string
  channel: Channel
  role: BundleRole
  /** sha256 of `bytes`. */
  digest: string
  /** The signed bundle document, exactly as stored and served. */
  bytes: Uint8Array
  /** For a canary: the share of customers it gets. */
  canaryShare?: number
}

/** A role a channel no longer has (a stopped canary or shadow). */
export interface Withdrawal {
  model: string
  channel: Channel
  role: Exclude<BundleRole, 'champion'>
}

/** What a target says it serves in one (channel, role). */
export interface TargetSlot {
  channel: Channel
  role: BundleRole
  model: string
  version: string
  digest: string
  canaryShare?: number | undefined
  /** Whether the target still holds the bundle the slot names. */
  stored: boolean
}

/** How hard one call tries: the promotion retries a blip, the reconciler's next pass is its retry. */
export interface CallOptions {
  attempts?: number
}

/**
 * A place bundles go when a deployment changes. The control plane's own store is always first (a
 * channel only ever points at a bundle it can serve); push targets (edge workers) follow, and the
 * reconciler keeps them at the desired state (reconciler.ts).
 */
export interface Publisher {
  /** The target's address without credentials: what logs, statuses and metric labels show. */
  readonly target: string
  publish(bundle: PublishedBundle, o?: CallOptions): Promise<void>
  withdraw(w: Withdrawal, o?: CallOptions): Promise<void>
  /** What the target serves now, read from its store. */
  slots(o?: CallOptions): Promise<TargetSlot[]>
}

export class PublishError extends Error {
  override name = 'PublishError'
  /**
   * The target answered and refused (a bad signature or digest, a wrong token: HTTP 4xx other than
   * 408/429): sending the same again cannot help. Otherwise it did not answer or failed (5xx).
   */
  readonly refused: boolean
  constructor(message: string, o: { refused: boolean; cause?: unknown }) {
    super(message, { cause: o.cause })
    this.refused = o.refused
  }
}
