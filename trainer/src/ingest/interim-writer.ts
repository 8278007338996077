// Writes kept rows to transactions.arrow (Arrow IPC file format) one record batch at a time, so memory
// holds at most one batch however long the log is. Arrow's writer hands its output to a byte sink; ours
// just collects the pieces of each batch until flush() writes them to the file. The id columns get
// their dense keys here (interim/schema.ts), from interners that live for the whole file: memory for
// them grows with distinct ids (customers, orders, products, countries), not with rows.

import { open, type FileHandle } from 'node:fs/promises'
import {
  AsyncByteQueue,
  RecordBatch,
  RecordBatchFileWriter,
  Struct,
  makeData,
  type Schema,
} from 'apache-arrow'
import { INTERIM_FIELDS } from '../interim/schema.ts'
import { Utf8Interner } from '../interim/utf8-interner.ts'
import { Float64Column, Int32Column, Int64Column, Utf8Column } from './arrow-columns.ts'
import type { CleanRow, ParsedRow } from './row-validator.ts'

export const DEFAULT_BATCH_ROWS = 65_536

const TWO_32 = 4294967296
const QUANTITY = 0
const UNIT_PRICE = 1

class CollectingSink extends AsyncByteQueue {
  pieces: Uint8Array[] = []
  bytes = 0
  override write(value: Uint8Array): void {
    // Arrow may pass views of the batch's own buffers; they are written before the batch is dropped.
    this.pieces.push(value)
    this.bytes += value.byteLength
  }
}

class Batch {
  readonly customerId: Utf8Column
  readonly timestamp: Int64Column
  readonly amountMinor: Int64Column
  readonly orderId: Utf8Column
  readonly productId: Utf8Column
  readonly country: Utf8Column
  readonly quantity: Float64Column
  readonly unitPrice: Float64Column
  readonly sourceLine: Int32Column
  readonly customerKey: Int32Column
  readonly orderKey: Int32Column
  readonly productKey: Int32Column
  readonly countryKey: Int32Column
  length = 0

  constructor(capacity: number) {
    this.customerId = new Utf8Column(capacity, false)
    this.timestamp = new Int64Column(capacity)
    this.amountMinor = new Int64Column(capacity)
    this.orderId = new Utf8Column(capacity, true)
    this.productId = new Utf8Column(capacity, true)
    this.country = new Utf8Column(capacity, true)
    this.quantity = new Float64Column(capacity)
    this.unitPrice = new Float64Column(capacity)
    this.sourceLine = new Int32Column(capacity)
    this.customerKey = new Int32Column(capacity)
    this.orderKey = new Int32Column(capacity)
    this.productKey = new Int32Column(capacity)
    this.countryKey = new Int32Column(capacity)
  }

  /** Empties the batch for reuse once its last write is done. */
  reset(): void {
    this.customerId.reset()
    this.orderId.reset()
    this.productId.reset()
    this.country.reset()
    this.quantity.reset()
    this.unitPrice.reset()
    this.length = 0
  }

  toRecordBatch(schema: Schema): RecordBatch {
    const n = this.length
    const [
      customerId,
      timestamp,
      amountMinor,
      orderId,
      productId,
      country,
      quantity,
      unitPrice,
      line,
      customerKey,
      orderKey,
      productKey,
      countryKey,
    ] = INTERIM_FIELDS
    const columns = [
      this.customerId.data(customerId.type, n),
      this.timestamp.data(timestamp.type, n),
      this.amountMinor.data(amountMinor.type, n),
      this.orderId.data(orderId.type, n),
      this.productId.data(productId.type, n),
      this.country.data(country.type, n),
      this.quantity.data(quantity.type, n),
      this.unitPrice.data(unitPrice.type, n),
      this.sourceLine.data(line.type, n),
      this.customerKey.data(customerKey.type, n),
      this.orderKey.data(orderKey.type, n),
      this.productKey.data(productKey.type, n),
      this.countryKey.data(countryKey.type, n),
    ]
    const struct = makeData({ type: new Struct(schema.fields), length: n, children: columns })
    return new RecordBatch(schema, struct)
  }
}

export class InterimWriter {
  private readonly handle: FileHandle
  private readonly schema: Schema
  private readonly batchRows: number
  private readonly writer = new RecordBatchFileWriter()
  private readonly sink = new CollectingSink()
  private batch: Batch
  /** Sealed batches whose bytes wait in the sink, and batches whose write is done (to reuse). */
  private sealed: Batch[] = []
  private readonly free: Batch[] = []
  private rows = 0
  private readonly customers = new Utf8Interner(false)
  private readonly orders = new Utf8Interner(false)
  private readonly countries = new Utf8Interner(false)
  /**
   * Product codes, by interner id: every code the validator looked at (excluded ones too), so the
   * exclusion rule and the key share one lookup. productKeys maps an id to its dense key among the
   * kept rows, -1 before the code's first kept row.
   */
  readonly productCodes = new Utf8Interner(false)
  private productKeys = new Int32Array(1024).fill(-1)
  private distinctProducts = 0
  /** The write under way, if any: at most one, so the batches waiting on it stay bounded. */
  private writing: Promise<void> | null = null

  private constructor(handle: FileHandle, schema: Schema, batchRows: number) {
    this.handle = handle
    this.schema = schema
    this.batchRows = batchRows
    this.batch = new Batch(batchRows)
    this.writer.reset(this.sink, schema)
  }

  /** Creates `path`, which must not exist yet. */
  static async create(path: string, schema: Schema, batchRows = DEFAULT_BATCH_ROWS) {
    const handle = await open(path, 'wx')
    return new InterimWriter(handle, schema, batchRows)
  }

  get rowsWritten(): number {
    return this.rows
  }

  /** Distinct customer ids written so far. */
  get distinctCustomers(): number {
    return this.customers.size
  }

  /** Distinct non-null order ids written so far. */
  get distinctOrders(): number {
    return this.orders.size
  }

  append(row: CleanRow, sourceLine: number): void {
    const b = this.batch
    const i = b.length
    b.customerKey.set(i, b.customerId.appendString(i, row.customerId, this.customers))
    b.timestamp.set(i, row.timestamp)
    b.amountMinor.set(i, row.amountMinor)
    b.orderKey.set(i, b.orderId.appendString(i, row.orderId, this.orders))
    const code = b.productId.appendString(i, row.productId, this.productCodes)
    b.productKey.set(i, this.productKey(code))
    b.countryKey.set(i, b.country.appendString(i, row.country, this.countries))
    b.quantity.set(i, row.quantity)
    b.unitPrice.set(i, row.unitPrice)
    b.sourceLine.set(i, sourceLine)
    this.rowAdded()
  }

  /**
   * append() for a row the validator parsed: its ids are copied as bytes, never made strings, and
   * its product code was interned in `productCodes` by the validator already.
   */
  appendParsed(row: ParsedRow, sourceLine: number): void {
    const b = this.batch
    const i = b.length
    const buf = row.buf
    const { customerStart, customerEnd, orderStart, orderEnd } = row
    b.customerKey.set(
      i,
      b.customerId.appendBytes(i, buf, customerStart, customerEnd, this.customers)
    )
    // Int64Column.set() written out, so no double is passed to a call (it would be allocated).
    const ts = row.timestamp
    const tsLow = ts >>> 0
    const tsWords = b.timestamp.words
    tsWords[2 * i] = tsLow
    tsWords[2 * i + 1] = (ts - tsLow) / TWO_32
    const amount = row.amountMinor
    const amountLow = amount >>> 0
    const amountWords = b.amountMinor.words
    amountWords[2 * i] = amountLow
    amountWords[2 * i + 1] = (amount - amountLow) / TWO_32
    b.orderKey.set(i, b.orderId.appendBytes(i, buf, orderStart, orderEnd, this.orders))
    // The validator interned the code: no lookup here, and no key to keep from the column.
    b.productId.appendBytes(i, buf, row.productStart, row.productEnd, null)
    b.productKey.set(i, this.productKey(row.productCode))
    const { countryStart, countryEnd } = row
    b.countryKey.set(i, b.country.appendBytes(i, buf, countryStart, countryEnd, this.countries))
    b.quantity.setFrom(i, row, QUANTITY)
    b.unitPrice.setFrom(i, row, UNIT_PRICE)
    b.sourceLine.set(i, sourceLine)
    this.rowAdded()
  }

  /** The dense key of a product code id (-1 for none), assigned at the code's first kept row. */
  private productKey(code: number): number {
    if (code < 0) return -1
    let keys = this.productKeys
    if (code >= keys.length) {
      keys = new Int32Array(Math.max(code + 1, keys.length * 2)).fill(-1)
      keys.set(this.productKeys)
      this.productKeys = keys
    }
    let key = keys[code] as number
    if (key === -1) {
      key = this.distinctProducts++
      keys[code] = key
    }
    return key
  }

  private rowAdded(): void {
    this.batch.length++
    this.rows++
    if (this.batch.length === this.batchRows) this.sealBatch()
  }

  /**
   * Starts writing the sealed batches; call between input chunks to keep memory bounded. The write
   * runs while the caller reads on; the next flush (or finish) waits for it and reports its error.
   */
  async flush(): Promise<void> {
    if (this.sink.pieces.length === 0) return
    const pieces = this.sink.pieces
    const batches = this.sealed
    this.sink.pieces = []
    this.sink.bytes = 0
    this.sealed = []
    if (this.writing !== null) await this.writing
    const { handle, free } = this
    const writing = (async () => {
      // writev may write part of the data, like write(): go on from where it stopped.
      let left = pieces
      for (;;) {
        const { bytesWritten } = await handle.writev(left)
        left = remainder(left, bytesWritten)
        if (left.length === 0) break
      }
      // The pieces were views of these batches' arrays: only now may the arrays be reused.
      free.push(...batches)
    })()
    writing.catch(() => {}) // observed by the next flush or finish, not unhandled meanwhile
    this.writing = writing
  }

  /** Writes the last batch and the footer, syncs and closes the file. */
  async finish(): Promise<void> {
    if (this.batch.length > 0) this.sealBatch()
    this.writer.close()
    await this.flush()
    if (this.writing !== null) await this.writing
    this.writing = null
    await this.handle.sync()
    await this.handle.close()
  }

  /** Closes the file without completing it (the caller deletes it). */
  async abort(): Promise<void> {
    await this.writing?.catch(() => {})
    await this.handle.close().catch(() => {})
  }

  private sealBatch(): void {
    this.writer.write(this.batch.toRecordBatch(this.schema))
    this.sealed.push(this.batch)
    const reused = this.free.pop()
    if (reused === undefined) this.batch = new Batch(this.batchRows)
    else {
      reused.reset()
      this.batch = reused
    }
  }
}

/** The pieces left after the first `written` bytes. */
function remainder(pieces: Uint8Array[], written: number): Uint8Array[] {
  let k = 0
  while (k < pieces.length && written >= (pieces[k] as Uint8Array).byteLength) {
    written -= (pieces[k] as Uint8Array).byteLength
    k++
  }
  if (k === pieces.length) return []
  const rest = pieces.slice(k)
  if (written > 0) rest[0] = (rest[0] as Uint8Array).subarray(written)
  return rest
}
