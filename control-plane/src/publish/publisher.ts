import type { Channel } from '../db/schema.ts'

/** What a deployment serves on a channel, in which role. */
export type BundleRole = 'champion' | 'canary' | 'shadow'

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

/**
 * A place bundles go when a deployment changes. The control plane's own store is always first (a
 * channel only ever points at a bundle it can serve); push targets (edge workers) follow.
 */
export interface Publisher {
  readonly name: string
  publish(bundle: PublishedBundle): Promise<void>
  withdraw(w: Withdrawal): Promise<void>
}

export class PublishError extends Error {
  override name = 'PublishError'
}
