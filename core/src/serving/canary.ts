// Which model serves a customer when a channel runs a canary: a stable hash of the customer id,
// the same in the edge worker and the widget, so a customer sees one model across requests,
// devices and runtimes, and a share of s sends about s of the customers to the canary.

/** FNV-1a (32 bit) over the id's UTF-8 bytes, as a number in [0, 1). Synchronous and portable. */
export function customerBucket(customerId: string): number {
  let h = 0x811c9dc5
  for (const byte of new TextEncoder().encode(customerId)) {
    h ^= byte
    h = Math.imul(h, 0x01000193) >>> 0
  }
  // One more avalanche round (murmur3's finaliser): FNV alone keeps near ids near each other.
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b) >>> 0
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35) >>> 0
  h ^= h >>> 16
  return (h >>> 0) / 2 ** 32
}

/** Whether the customer goes to the canary at this share (0: never; below 1). */
export function inCanary(customerId: string, share: number): boolean {
  return share > 0 && customerBucket(customerId) < share
}
