// A stable hash of the customer id: sharding, and later canary assignment, must put a customer in
// the same bucket on every machine, runtime and run. FNV-1a over UTF-16 code units, 32-bit.

export function customerHash(customerId: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < customerId.length; i++) {
    h ^= customerId.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

export interface Shard {
  readonly index: number
  readonly count: number
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text)
  const index = Number(m?.[1])
  const count = Number(m?.[2])
  if (!m || count < 1 || index >= count) {
    throw new RangeError(`shard "${text}" must be i/n with 0 <= i < n, e.g. 0/4`)
  }
  return { index, count }
}

export function inShard(customerId: string, shard: Shard): boolean {
  return customerHash(customerId) % shard.count === shard.index
}

/**
 * Which of `passes` memory-bounded passes over a log reads the customer (`fcv features`, `fcv
 * score`): by the high bits of the hash, where shards take the low bits, so each pass holds about
 * 1/passes of any shard's customers.
 */
export function passOf(customerId: string, passes: number): number {
  return Math.floor((customerHash(customerId) / 2 ** 32) * passes)
}
