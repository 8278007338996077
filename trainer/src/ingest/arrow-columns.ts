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
}

/** Utf8 values: an offsets array and a byte buffer that doubles when full. */
export class Utf8Column {
  private readonly offsets: Int32Array
  private bytes: Uint8Array
  private end = 0
  private readonly validity: Validity | null

  constructor(capacity: number, nullable: boolean) {
    this.offsets = new Int32Array(capacity + 1)
    this.bytes = new Uint8Array(capacity * 8)
    this.validity = nullable ? new Validity(capacity) : null
  }

  set(i: number, value: string | null): void {
    if (this.validity !== null) this.validity.set(i, value !== null)
    if (value !== null && value.length > 0) this.write(value)
    this.offsets[i + 1] = this.end
  }

  private write(value: string): void {
    const n = value.length
    if (this.end + n * 3 > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.end + n * 3))
      grown.set(this.bytes.subarray(0, this.end))
      this.bytes = grown
    }
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
  private readonly words: Int32Array
  constructor(capacity: number) {
    this.words = new Int32Array(capacity * 2)
  }
  set(i: number, value: number): void {
    const hi = Math.floor(value / TWO_32)
    this.words[2 * i] = value - hi * TWO_32
    this.words[2 * i + 1] = hi
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
  set(i: number, value: number | null): void {
    this.validity.set(i, value !== null)
    if (value !== null) this.values[i] = value
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
