// Output buffers of readInterim: dense ids for the string columns and typed arrays that grow as kept
// rows arrive.

import type { Data } from 'apache-arrow'
import { Utf8Interner } from './utf8-interner.ts'

/** A plain Uint8Array view (Arrow may hand over a Buffer), so byte loops see one array type. */
export function plainBytes(v: Uint8Array): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
}

/** Dense ids, in order of first use, for the ids of an interner that sees every row. */
export class DenseIds {
  private map = new Int32Array(1024).fill(-1)
  /** Interner id of each dense id. */
  readonly order: number[] = []

  get(id: number): number {
    if (id >= this.map.length) {
      const grown = new Int32Array(Math.max(this.map.length * 2, id + 1)).fill(-1)
      grown.set(this.map)
      this.map = grown
    }
    let dense = this.map[id] as number
    if (dense === -1) {
      dense = this.order.length
      this.map[id] = dense
      this.order.push(id)
    }
    return dense
  }
}

/** An optional string column mapped to dense ids over kept rows; -1 for null. */
export class OptionalIds {
  private readonly interner = new Utf8Interner()
  private readonly dense = new DenseIds()
  // The current batch's buffers, looked up once per batch: Arrow's nullCount getter is not free.
  private offsets: Int32Array = new Int32Array(1)
  private bytes: Uint8Array = new Uint8Array(0)
  private validity: Uint8Array | null = null
  private bitOffset = 0

  useBatch(data: Data): void {
    this.offsets = data.valueOffsets as Int32Array
    this.bytes = plainBytes(data.values as Uint8Array)
    this.validity = data.nullCount > 0 && data.nullBitmap ? data.nullBitmap : null
    this.bitOffset = data.offset
  }

  lookup(row: number): number {
    const validity = this.validity
    if (validity !== null) {
      const bit = this.bitOffset + row
      if (((validity[bit >> 3] as number) & (1 << (bit & 7))) === 0) return -1
    }
    const offsets = this.offsets
    const id = this.interner.intern(this.bytes, offsets[row] as number, offsets[row + 1] as number)
    return this.dense.get(id)
  }

  strings(): string[] {
    return this.dense.order.map((id) => this.interner.strings[id] as string)
  }
}

/** The kept rows so far. */
export class Columns {
  length = 0
  customer = new Int32Array(0)
  timestamp = new Float64Array(0)
  amountMinor = new Float64Array(0)
  order = new Int32Array(0)
  product = new Int32Array(0)
  country = new Int32Array(0)

  /** Makes room for `more` rows, doubling so n appends cost O(n) copies in total. */
  reserve(more: number): void {
    const need = this.length + more
    if (need <= this.customer.length) return
    const capacity = Math.max(need, this.customer.length * 2, 1024)
    const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(capacity)
      b.set(a.subarray(0, this.length))
      return b
    }
    this.customer = grow(this.customer, (n) => new Int32Array(n))
    this.timestamp = grow(this.timestamp, (n) => new Float64Array(n))
    this.amountMinor = grow(this.amountMinor, (n) => new Float64Array(n))
    this.order = grow(this.order, (n) => new Int32Array(n))
    this.product = grow(this.product, (n) => new Int32Array(n))
    this.country = grow(this.country, (n) => new Int32Array(n))
  }
}
