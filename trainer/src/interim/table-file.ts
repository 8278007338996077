// Opening an interim table: the Arrow file reader over a file handle (so batches are read one at a
// time), the format check, and the metadata and row count without reading any column data.

import { open, type FileHandle } from 'node:fs/promises'
import { Message, RecordBatchReader, type Schema } from 'apache-arrow'
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

export async function openTable(
  path: string
): Promise<{ handle: FileHandle; reader: RecordBatchReader }> {
  let handle: FileHandle
  try {
    handle = await open(path, 'r')
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT'
    const why = missing ? 'no such file; run `fcv ingest` first' : (e as Error).message
    throw new Error(`${path}: ${why}`, { cause: e })
  }
  try {
    const reader = await RecordBatchReader.from(handle)
    await reader.open()
    if (!reader.isFile()) throw new Error('not an Arrow IPC file')
    return { handle, reader }
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
  const { handle, reader } = await openTable(path)
  try {
    const base = checkMetadata(path, reader.schema)
    let rows = 0
    let batches = 0
    for (const block of reader.footer?.recordBatches() ?? []) {
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
