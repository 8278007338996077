// The record batches of an interim table as raw column buffers, read straight from the file: one read
// per batch, into one of two reused buffers, the next batch read while the caller works on this one.
// Arrow's own reader allocates (and zero-fills) every batch anew and builds vectors we do not need;
// readInterim wants only typed-array views of a few columns.

import type { FileHandle } from 'node:fs/promises'
import { Message, Type, type Schema } from 'apache-arrow'
import type { BatchBlock, OpenTable } from './table-file.ts'

/** One column of a batch: views into the batch's buffer, valid until the next batch is read. */
export interface RawColumn {
  nullCount: number
  /** Validity bitmap (bit i set = row i valid); null when the column holds no nulls. */
  validity: Uint8Array | null
  /** Utf8 only: value i is data[offsets[i], offsets[i + 1]). */
  offsets: Int32Array
  /** The values' bytes: Int32, Int64 and Float64 little-endian, Utf8 as UTF-8. */
  data: Uint8Array
}

export interface RawBatch {
  rows: number
  column(name: string): RawColumn
}

/** Buffers per field: validity, offsets and data for Utf8; validity and data for fixed widths. */
function bufferCount(path: string, type: { typeId: Type }, name: string): number {
  switch (type.typeId) {
    case Type.Utf8:
      return 3
    case Type.Int:
    case Type.Float:
    case Type.Timestamp:
      return 2
    default:
      throw new Error(`${path}: column "${name}" has a type an interim table never has`)
  }
}

const EMPTY_OFFSETS = new Int32Array(0)

class Batch implements RawBatch {
  rows = 0
  private readonly path: string
  private readonly columns = new Map<string, RawColumn>()

  constructor(
    path: string,
    fields: Schema['fields'],
    bytes: Uint8Array,
    body: number,
    header: {
      length: number
      nodes: { length: number; nullCount: number }[]
      buffers: { offset: number; length: number }[]
      compression: unknown
    }
  ) {
    this.path = path
    if (header.compression) throw new Error(`${path}: compressed record batches are not supported`)
    this.rows = header.length
    const view = (region: { offset: number; length: number } | undefined): Uint8Array => {
      if (region === undefined) throw new Error(`${path}: a record batch lacks buffers`)
      const start = body + Number(region.offset)
      const length = Number(region.length)
      if (start + length > bytes.length) throw new Error(`${path}: a record batch is truncated`)
      return bytes.subarray(start, start + length)
    }
    let b = 0
    fields.forEach((field, i) => {
      const node = header.nodes[i]
      if (node === undefined || Number(node.length) !== this.rows) {
        throw new Error(`${path}: a record batch does not match the schema`)
      }
      const nullCount = Number(node.nullCount)
      const validity = view(header.buffers[b])
      const utf8 = bufferCount(path, field.type, field.name) === 3
      const offsets = utf8 ? aligned(view(header.buffers[b + 1]), Int32Array) : EMPTY_OFFSETS
      const data = view(header.buffers[utf8 ? b + 2 : b + 1])
      b += utf8 ? 3 : 2
      this.columns.set(field.name, {
        nullCount,
        validity: nullCount > 0 && validity.length > 0 ? validity : null,
        offsets,
        data,
      })
    })
    if (b !== header.buffers.length) {
      throw new Error(`${path}: a record batch does not match the schema`)
    }
  }

  column(name: string): RawColumn {
    const c = this.columns.get(name)
    if (c === undefined) throw new Error(`${this.path}: no column "${name}"; not an interim table`)
    return c
  }
}

/** A typed view of bytes, copied only if the bytes are not aligned for it (Arrow aligns them). */
export function aligned<T extends Int32Array | Float64Array>(
  bytes: Uint8Array,
  Kind: {
    new (buffer: ArrayBuffer, byteOffset: number, length: number): T
    BYTES_PER_ELEMENT: number
  }
): T {
  const size = Kind.BYTES_PER_ELEMENT
  const length = Math.floor(bytes.length / size)
  if (bytes.byteOffset % size === 0) {
    return new Kind(bytes.buffer as ArrayBuffer, bytes.byteOffset, length)
  }
  const copy = new Uint8Array(length * size)
  copy.set(bytes.subarray(0, length * size))
  return new Kind(copy.buffer, 0, length)
}

/** Reads block `block` into `into` (grown when too small); returns the buffer holding it. */
async function readBlock(
  handle: FileHandle,
  block: BatchBlock,
  into: Uint8Array
): Promise<Uint8Array> {
  const length = block.metaDataLength + block.bodyLength
  // A fresh ArrayBuffer of its own, so offsets within it keep Arrow's 8-byte alignment.
  const buf: Uint8Array =
    into.length >= length ? into : new Uint8Array(new ArrayBuffer(length + (length >> 2)))
  let done = 0
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, block.offset + done)
    if (bytesRead === 0) throw new Error('unexpected end of file')
    done += bytesRead
  }
  return buf
}

/** Decodes the message at the start of a block's bytes (its metadata). */
function decodeHeader(path: string, meta: Uint8Array) {
  // Encapsulated message: 0xFFFFFFFF, int32 length, flatbuffer (pre-0.15 files omit the marker).
  const skip = new DataView(meta.buffer, meta.byteOffset, 4).getInt32(0, true) === -1 ? 8 : 4
  const message = Message.decode(meta.subarray(skip))
  if (!message.isRecordBatch()) throw new Error(`${path}: footer block is not a record batch`)
  return message.header()
}

/** The record batches of an opened table: their total row count first, then the batches in order. */
export class RawBatchFile {
  private readonly path: string
  private readonly handle: FileHandle
  private readonly fields: Schema['fields']
  private readonly blocks: BatchBlock[]
  /** Rows in all batches, from their headers. */
  readonly rows: number

  private constructor(path: string, table: OpenTable, rows: number) {
    this.path = path
    this.handle = table.handle
    this.fields = table.schema.fields
    this.blocks = table.blocks
    this.rows = rows
  }

  static async open(path: string, table: OpenTable): Promise<RawBatchFile> {
    const { handle, blocks } = table
    const counts = await Promise.all(
      blocks.map(async (block) => {
        const meta = new Uint8Array(block.metaDataLength)
        const { bytesRead } = await handle.read(meta, 0, meta.length, block.offset)
        if (bytesRead !== meta.length) throw new Error(`${path}: a record batch is truncated`)
        return decodeHeader(path, meta).length
      })
    )
    return new RawBatchFile(
      path,
      table,
      counts.reduce((sum, n) => sum + n, 0)
    )
  }

  async *batches(): AsyncGenerator<RawBatch> {
    const { path, handle, blocks, fields } = this
    let spare: Uint8Array = new Uint8Array(0)
    let next = blocks.length > 0 ? readBlock(handle, blocks[0] as BatchBlock, spare) : null
    next?.catch(() => {}) // awaited below
    for (let i = 0; i < blocks.length; i++) {
      const block = blocks[i] as BatchBlock
      let bytes: Uint8Array
      try {
        bytes = await (next as Promise<Uint8Array>)
      } catch (e) {
        throw new Error(`${path}: cannot read record batch ${i}: ${(e as Error).message}`, {
          cause: e,
        })
      }
      // Read the following batch into the other buffer while this one is used.
      const following = blocks[i + 1]
      next = following === undefined ? null : readBlock(handle, following, spare)
      next?.catch(() => {})
      spare = bytes
      const header = decodeHeader(path, bytes.subarray(0, block.metaDataLength))
      yield new Batch(path, fields, bytes, block.metaDataLength, header)
    }
  }
}
