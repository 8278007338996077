// Dense ids for distinct UTF-8 byte strings, looked up straight from a byte buffer (an Arrow Utf8
// vector's, or ingest's column being written). Decoding every value with TextDecoder costs more than
// the rest of reading put together; here a value is hashed and compared as bytes, and only the first
// occurrence of each distinct value is decoded (or none, when the strings are not wanted). Ids are
// assigned in order of first appearance.

const decoder = new TextDecoder()
const RECENT = 4096

export class Utf8Interner {
  /** Decoded value of each id; empty when built with `decode` false. */
  readonly strings: string[] = []
  private readonly decode: boolean
  private count = 0
  private pool = new Uint8Array(1 << 16)
  private poolEnd = 0
  private starts = new Int32Array(1024)
  private hashes = new Int32Array(1024)
  /** Open addressing table of id + 1 (0 = empty), kept at most half full. */
  private table = new Int32Array(2048)
  private mask = 2047
  private lastId = -1

  constructor(decode = true) {
    this.decode = decode
  }

  get size(): number {
    return this.count
  }

  /**
   * A direct-mapped cache in front of the table for values of up to 8 bytes (two words and the length
   * say all of such a value): entries of [word 0, word 1, length + 1, id], 64 KB that stay in cache,
   * where the table, the hashes and the pool are three dependent reads from memory.
   */
  private readonly recent = new Int32Array(RECENT * 4)

  /** The id of bytes[start, end), assigning the next id when the value is new. */
  intern(bytes: Uint8Array, start: number, end: number): number {
    const length = end - start
    if (length > 8) return this.lookup(bytes, start, end)
    let w0 = 0
    let w1 = 0
    const mid = length < 4 ? length : 4
    for (let k = 0; k < mid; k++) w0 |= (bytes[start + k] as number) << (8 * k)
    for (let k = 4; k < length; k++) w1 |= (bytes[start + k] as number) << (8 * (k - 4))
    let h = Math.imul(w0, 0x9e3779b1) ^ Math.imul(w1 ^ length, 0x85ebca77)
    h ^= h >>> 15
    const at = (h & (RECENT - 1)) * 4
    const recent = this.recent
    if (recent[at + 2] === length + 1 && recent[at] === w0 && recent[at + 1] === w1) {
      return recent[at + 3] as number
    }
    const id = this.lookup(bytes, start, end)
    recent[at] = w0
    recent[at + 1] = w1
    recent[at + 2] = length + 1
    recent[at + 3] = id
    return id
  }

  private lookup(bytes: Uint8Array, start: number, end: number): number {
    const length = end - start
    const last = this.lastId
    // Consecutive rows often repeat a value (lines of one order): check the previous id first.
    if (last >= 0 && this.sameBytes(last, bytes, start, length)) return last
    let h = 0x811c9dc5 ^ length
    for (let i = start; i < end; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193)
    h ^= h >>> 15
    h = Math.imul(h, 0x2c1b3c6d)
    h ^= h >>> 12
    let slot = h & this.mask
    for (;;) {
      const entry = this.table[slot] as number
      if (entry === 0) break
      const id = entry - 1
      if (this.hashes[id] === h && this.sameBytes(id, bytes, start, length)) {
        this.lastId = id
        return id
      }
      slot = (slot + 1) & this.mask
    }
    const id = this.add(bytes, start, end, h)
    this.table[slot] = id + 1
    if (this.count * 2 > this.mask) this.rehash()
    this.lastId = id
    return id
  }

  private sameBytes(id: number, bytes: Uint8Array, start: number, length: number): boolean {
    const from = this.starts[id] as number
    if ((this.starts[id + 1] as number) - from !== length) return false
    const pool = this.pool
    for (let k = 0; k < length; k++) if (pool[from + k] !== bytes[start + k]) return false
    return true
  }

  private add(bytes: Uint8Array, start: number, end: number, hash: number): number {
    const id = this.count
    const length = end - start
    if (this.poolEnd + length > this.pool.length) {
      const grown = new Uint8Array(Math.max(this.pool.length * 2, this.poolEnd + length))
      grown.set(this.pool.subarray(0, this.poolEnd))
      this.pool = grown
    }
    if (id + 2 > this.starts.length) {
      const starts = new Int32Array(this.starts.length * 2)
      starts.set(this.starts)
      this.starts = starts
      const hashes = new Int32Array(this.hashes.length * 2)
      hashes.set(this.hashes)
      this.hashes = hashes
    }
    const value = bytes.subarray(start, end)
    this.pool.set(value, this.poolEnd)
    this.starts[id] = this.poolEnd
    this.poolEnd += length
    this.starts[id + 1] = this.poolEnd
    this.hashes[id] = hash
    if (this.decode) this.strings.push(decoder.decode(value))
    this.count = id + 1
    return id
  }

  private rehash(): void {
    const capacity = (this.mask + 1) * 2
    const table = new Int32Array(capacity)
    const mask = capacity - 1
    for (let id = 0; id < this.count; id++) {
      let slot = (this.hashes[id] as number) & mask
      while (table[slot] !== 0) slot = (slot + 1) & mask
      table[slot] = id + 1
    }
    this.table = table
    this.mask = mask
  }
}
