// Opening an interim table: its schema and the places of its record batches, from the file's footer
// (so batches are read one at a time, by batches.ts), the format check, and the metadata and row
// count without reading any column data.

import { open, type FileHandle } from 'node:fs/promises'
import { Message, type Schema } from 'apache-arrow'
import { Footer } from 'apache-arrow/ipc/metadata/file'
import { INTERIM_FORMAT_VERSION, INTERIM_METADATA_KEYS } from './schema.ts'

export interface InterimMeta {
  rows: number
  batches: number
  currency: string
  currencyExponent: number
  source: string
  formatVersion: string
  metadata: Record<string, string>
}

/** Where a record batch is: its message (metadata, then body) starts at `offset`. */
export interface BatchBlock {
  offset: number
  metaDataLength: number
  bodyLength: number
}

export interface OpenTable {
  handle: FileHandle
  schema: Schema
  blocks: BatchBlock[]
}

const MAGIC = 'ARROW1'

/** Reads exactly `length` bytes at `position`. */
async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length)
  let done = 0
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, position + done)
    if (bytesRead === 0) throw new Error('unexpected end of file')
    done += bytesRead
  }
  return buf
}

/**
 * Opens an Arrow IPC file: 'ARROW1' and padding, the stream, the footer, its int32 length and
 * 'ARROW1' again.
 */
export async function openTable(path: string): Promise<OpenTable> {
  let handle: FileHandle
  try {
    handle = await open(path, 'r')
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT'
    const why = missing ? 'no such file; run `fcv ingest` first' : (e as Error).message
    throw new Error(`${path}: ${why}`, { cause: e })
  }
  try {
    const { size } = await handle.stat()
    const tail = 4 + MAGIC.length
    if (size < 8 + tail) throw new Error('not an Arrow IPC file')
    const [head, end] = await Promise.all([readAt(handle, 0, 8), readAt(handle, size - tail, tail)])
    if (head.toString('latin1', 0, 6) !== MAGIC || end.toString('latin1', 4) !== MAGIC) {
      throw new Error('not an Arrow IPC file')
    }
    const footerLength = end.readInt32LE(0)
    if (footerLength <= 0 || footerLength > size - 8 - tail) throw new Error('bad footer length')
    const footer = Footer.decode(await readAt(handle, size - tail - footerLength, footerLength))
    return { handle, schema: footer.schema, blocks: [...footer.recordBatches()] }
  } catch (e) {
    await handle.close().catch(() => {})
    throw new Error(`${path}: not a readable interim table: ${(e as Error).message}`, { cause: e })
  }
}

/** The table's metadata, after checking it is an interim table this code can read. */
export function checkMetadata(path: string, schema: Schema): Omit<InterimMeta, 'rows' | 'batches'> {
  const metadata = Object.fromEntries(schema.metadata)
  const k = INTERIM_METADATA_KEYS
  const formatVersion = metadata[k.formatVersion] ?? ''
  if (formatVersion !== INTERIM_FORMAT_VERSION) {
    throw new Error(
      `${path}: interim format version "${formatVersion}", this fcv reads ` +
        `"${INTERIM_FORMAT_VERSION}"; re-run \`fcv ingest\``
    )
  }
  return {
    currency: metadata[k.currency] ?? '',
    currencyExponent: Number(metadata[k.currencyExponent]),
    source: metadata[k.source] ?? '',
    formatVersion,
    metadata,
  }
}

/** Schema metadata and row count, from the file footer and batch headers only (no column data). */
export async function readInterimMeta(path: string): Promise<InterimMeta> {
  const { handle, schema, blocks } = await openTable(path)
  try {
    const base = checkMetadata(path, schema)
    let rows = 0
    let batches = 0
    for (const block of blocks) {
      const header = Buffer.alloc(block.metaDataLength)
      await handle.read(header, 0, header.length, block.offset)
      // Encapsulated message: 0xFFFFFFFF, int32 length, flatbuffer (pre-0.15 files omit the marker).
      const skip = header.readInt32LE(0) === -1 ? 8 : 4
      const message = Message.decode(header.subarray(skip))
      if (!message.isRecordBatch()) throw new Error(`${path}: footer block is not a record batch`)
      rows += Number(message.header().length)
      batches++
    }
    return { ...base, rows, batches }
  } finally {
    await handle.close().catch(() => {})
  }
}
