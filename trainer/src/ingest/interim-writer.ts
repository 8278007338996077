// Writes kept rows to transactions.arrow (Arrow IPC file format) one record batch at a time, so memory
// holds at most one batch however long the log is. Arrow's writer hands its output to a byte sink; ours
// just collects the pieces of each batch until flush() writes them to the file.

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
import { Float64Column, Int32Column, Int64Column, Utf8Column } from './arrow-columns.ts'
import type { CleanRow } from './row-validator.ts'

export const DEFAULT_BATCH_ROWS = 65_536

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
  private rows = 0

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

  append(row: CleanRow, sourceLine: number): void {
    const b = this.batch
    const i = b.length
    b.customerId.set(i, row.customerId)
    b.timestamp.set(i, row.timestamp)
    b.amountMinor.set(i, row.amountMinor)
    b.orderId.set(i, row.orderId)
    b.productId.set(i, row.productId)
    b.country.set(i, row.country)
    b.quantity.set(i, row.quantity)
    b.unitPrice.set(i, row.unitPrice)
    b.sourceLine.set(i, sourceLine)
    b.length++
    this.rows++
    if (b.length === this.batchRows) this.sealBatch()
  }

  /** Writes the sealed batches to the file; call between input chunks to keep memory bounded. */
  async flush(): Promise<void> {
    if (this.sink.pieces.length === 0) return
    const buffer = Buffer.concat(this.sink.pieces, this.sink.bytes)
    this.sink.pieces = []
    this.sink.bytes = 0
    await this.handle.write(buffer)
  }

  /** Writes the last batch and the footer, syncs and closes the file. */
  async finish(): Promise<void> {
    if (this.batch.length > 0) this.sealBatch()
    this.writer.close()
    await this.flush()
    await this.handle.sync()
    await this.handle.close()
  }

  /** Closes the file without completing it (the caller deletes it). */
  async abort(): Promise<void> {
    await this.handle.close().catch(() => {})
  }

  private sealBatch(): void {
    this.writer.write(this.batch.toRecordBatch(this.schema))
    this.batch = new Batch(this.batchRows)
  }
}
