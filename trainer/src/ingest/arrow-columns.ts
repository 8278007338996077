// Column buffers for one Arrow record batch, filled row by row straight into typed arrays. Arrow's own
// builders cost several times more per value, and ingest appends ~10 values for every row it keeps.

import {
  makeData,
  type Data,
  type Float64,
  type Int32,
  type Int64,
  type Timestamp,
  type Utf8,
} from 'apache-arrow'
import type { Utf8Interner } from '../interim/utf8-interner.ts'

const encoder = new TextEncoder()
const TWO_32 = 4294967296

class Validity {
  readonly bits: Uint8Array
  nulls = 0
  constructor(capacity: number) {
    this.bits = new Uint8Array((capacity + 7) >> 3)
  }
  set(i: number, valid: boolean): void {
    if (valid) this.bits[i >> 3] = (this.bits[i >> 3] as number) | (1 << (i & 7))
    else this.nulls++
  }
  reset(): void {
    this.bits.fill(0)
    this.nulls = 0
  }
}

/**
 * Utf8 values: an offsets array and a byte buffer that doubles when full. Each value appended also
 * gets its dense key from an interner that outlives the batch, read from the bytes just written, so a
 * key and its value never disagree; a value equal to the previous one takes its key without a lookup
 * (the lines of one order repeat customer, order and country).
 */
export class Utf8Column {
  private readonly offsets: Int32Array
  private bytes: Uint8Array
  private end = 0
  private readonly validity: Validity | null
  /** The previous non-null value of this batch (start -1 when none) and its key. */
  private prevStart = -1
  private prevLength = 0
  private prevKey = -1

  constructor(capacity: number, nullable: boolean) {
    this.offsets = new Int32Array(capacity + 1)
    this.bytes = new Uint8Array(capacity * 8)
    this.validity = nullable ? new Validity(capacity) : null
  }

  /** Empties the column for reuse in another batch. */
  reset(): void {
    this.end = 0
    this.validity?.reset()
    this.prevStart = -1
  }

  /** Sets value i from a string, or null; returns its key from `keys`, -1 for null. */
  appendString(i: number, value: string | null, keys: Utf8Interner): number {
    if (value === null) return this.appendNull(i)
    const from = this.end
    if (value.length > 0) this.write(value)
    return this.appended(i, from, keys)
  }

  /**
   * Sets value i from the UTF-8 bytes src[start, end), or null when start is -1; returns its key
   * from `keys`, -1 for null (and for every value when keys is null: the caller has them).
   */
  appendBytes(
    i: number,
    src: Uint8Array,
    start: number,
    end: number,
    keys: Utf8Interner | null
  ): number {
    if (start < 0) return this.appendNull(i)
    const n = end - start
    const from = this.end
    if (from + n > this.bytes.length) this.grow(n)
    const bytes = this.bytes
    if (n <= 32) {
      for (let k = 0; k < n; k++) bytes[from + k] = src[start + k] as number
    } else {
      bytes.set(src.subarray(start, end), from)
    }
    this.end = from + n
    return this.appended(i, from, keys)
  }

  /** Completes value i, written at [from, end); returns its key. */
  private appended(i: number, from: number, keys: Utf8Interner | null): number {
    const end = this.end
    this.offsets[i + 1] = end
    this.validity?.set(i, true)
    if (keys === null) return -1
    const n = end - from
    const bytes = this.bytes
    const prev = this.prevStart
    this.prevStart = from
    if (prev >= 0 && this.prevLength === n) {
      let k = 0
      while (k < n && bytes[prev + k] === bytes[from + k]) k++
      if (k === n) return this.prevKey
    }
    this.prevLength = n
    return (this.prevKey = keys.intern(bytes, from, end))
  }

  private appendNull(i: number): number {
    if (this.validity === null) throw new Error('null in a non-nullable column')
    this.validity.set(i, false)
    this.offsets[i + 1] = this.end
    return -1
  }

  private grow(more: number): void {
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.end + more))
    grown.set(this.bytes.subarray(0, this.end))
    this.bytes = grown
  }

  private write(value: string): void {
    const n = value.length
    if (this.end + n * 3 > this.bytes.length) this.grow(n * 3)
    // Ids and codes are short and nearly always ASCII: copy code units, fall back to encodeInto.
    const bytes = this.bytes
    let at = this.end
    for (let k = 0; k < n; k++) {
      const c = value.charCodeAt(k)
      if (c >= 0x80) {
        at = this.end + encoder.encodeInto(value, bytes.subarray(this.end)).written
        break
      }
      bytes[at++] = c
    }
    this.end = at
  }

  data(type: Utf8, length: number): Data<Utf8> {
    return makeData({
      type,
      length,
      nullCount: this.validity?.nulls ?? 0,
      nullBitmap: this.validity?.bits ?? null,
      valueOffsets: this.offsets.subarray(0, length + 1),
      data: this.bytes.subarray(0, this.end),
    })
  }
}

/** Int64 (and Timestamp) values from safe integers, written as two 32-bit halves: no BigInt per row. */
export class Int64Column {
  /** Value i is words[2i] (low) and words[2i + 1] (high); see set(). */
  readonly words: Int32Array
  constructor(capacity: number) {
    this.words = new Int32Array(capacity * 2)
  }
  set(i: number, value: number): void {
    // The low word is value mod 2^32 (>>> 0 is exact on safe integers); the rest divides exactly.
    const lo = value >>> 0
    this.words[2 * i] = lo
    this.words[2 * i + 1] = (value - lo) / TWO_32
  }
  data(type: Int64, length: number): Data<Int64>
  data(type: Timestamp, length: number): Data<Timestamp>
  data(type: Int64 | Timestamp, length: number): Data {
    const values = new BigInt64Array(this.words.buffer, 0, length)
    // makeData dispatches on the type at run time; both types take the same 64-bit values.
    return makeData({ type: type as Int64, length, nullCount: 0, data: values })
  }
}

export class Float64Column {
  private readonly values: Float64Array
  private readonly validity: Validity
  constructor(capacity: number) {
    this.values = new Float64Array(capacity)
    this.validity = new Validity(capacity)
  }
  reset(): void {
    this.validity.reset()
  }
  set(i: number, value: number | null): void {
    this.setIf(i, value !== null, value ?? 0)
  }
  /** set() without a number | null argument, which would box the number on every call. */
  setIf(i: number, present: boolean, value: number): void {
    this.validity.set(i, present)
    this.values[i] = present ? value : 0 // a null's slot is 0, in a reused batch too
  }
  /**
   * set() from a parsed row's quantity (which 0) or unit price (which 1), read here: a double passed
   * to a call that is not inlined would be allocated.
   */
  setFrom(
    i: number,
    row: { hasQuantity: boolean; quantity: number; hasUnitPrice: boolean; unitPrice: number },
    which: 0 | 1
  ): void {
    const present = which === 0 ? row.hasQuantity : row.hasUnitPrice
    this.validity.set(i, present)
    this.values[i] = present ? (which === 0 ? row.quantity : row.unitPrice) : 0
  }
  data(type: Float64, length: number): Data<Float64> {
    return makeData({
      type,
      length,
      nullCount: this.validity.nulls,
      nullBitmap: this.validity.bits,
      data: this.values.subarray(0, length),
    })
  }
}

export class Int32Column {
  private readonly values: Int32Array
  constructor(capacity: number) {
    this.values = new Int32Array(capacity)
  }
  set(i: number, value: number): void {
    this.values[i] = value
  }
  data(type: Int32, length: number): Data<Int32> {
    return makeData({ type, length, nullCount: 0, data: this.values.subarray(0, length) })
  }
}
