// Opens the transaction log as a stream of bytes (the text, UTF-8), gunzipping when asked or when the
// file starts with the gzip magic bytes. The file's bytes are counted and hashed as they stream past,
// so progress and the report's sha256 cost no second pass over the file. Decoding is left to the
// tokenizer: the CSV one reads most lines without decoding them at all.
//
// A CSV log of more than a megabyte is read in a worker thread (input-worker.ts): reading, gunzipping,
// hashing and cutting the text into lines and fields (line-split.ts) run beside the main thread,
// which is left the rows.

import { createHash } from 'node:crypto'
import { open, stat } from 'node:fs/promises'
import { Worker } from 'node:worker_threads'
import { IngestError } from './errors.ts'
import { fileText } from './file-text.ts'
import {
  pieceBuffers,
  type FromInputWorker,
  type InputWorkerData,
  type ToInputWorker,
} from './input-protocol.ts'
import { FIELDS_AT, LineSplitter, PLAIN, type SplitPiece } from './line-split.ts'

export type Compression = 'auto' | 'gzip' | 'none'

export interface InputStream<T> {
  readonly path: string
  readonly sizeBytes: number
  readonly gzip: boolean
  /** About how many bytes of text the file holds (gunzipped): for sizing tables, not exact. */
  readonly textBytes: number
  /** The (gunzipped) bytes, in pieces of a few hundred KB. */
  readonly chunks: AsyncIterable<T>
  /** Bytes of the file (compressed, when gzipped) read so far. */
  bytesRead(): number
  /** sha256 of the whole file, hex; valid once `chunks` is exhausted. */
  sha256(): string
  /** Stops reading early (ends the worker, if any); harmless after the end. */
  close(): Promise<void>
}

/** How to cut CSV input into lines: see LineSplitter. */
export interface SplitOptions {
  delimiter: number
  maxCarry: number
}

/** CSV inputs at least this large are read in a worker thread (it takes ~20 ms to start). */
export const WORKER_MIN_BYTES = 1 << 20

const CHUNK_BYTES = 1 << 18

/**
 * Whether the file starts with the gzip magic bytes, and the size its trailer gives the gunzipped
 * text (ISIZE: modulo 2^32, and the last member's only; a hint, never trusted as a size).
 */
async function gzipHead(path: string): Promise<{ magic: boolean; isize: number }> {
  const handle = await open(path, 'r')
  try {
    const head = Buffer.alloc(4)
    const { bytesRead } = await handle.read(head, 0, 2, 0)
    const magic = bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b
    const { size } = await handle.stat()
    if (!magic || size < 22) return { magic, isize: 0 }
    await handle.read(head, 0, 4, size - 4)
    return { magic, isize: head.readUInt32LE(0) }
  } finally {
    await handle.close()
  }
}

function describeReadError(path: string, e: NodeJS.ErrnoException): IngestError {
  if (e.code === 'ENOENT') return new IngestError(`${path}: no such file (data.path)`, { cause: e })
  if (e.code === 'EISDIR')
    return new IngestError(`${path}: is a directory (data.path)`, { cause: e })
  if (e.code === 'Z_BUF_ERROR' || /unexpected end/i.test(e.message)) {
    return new IngestError(`${path}: unexpected end of gzip stream (the file is truncated)`, {
      cause: e,
    })
  }
  if (typeof e.code === 'string' && e.code.startsWith('Z_')) {
    return new IngestError(`${path}: corrupt gzip stream: ${e.message}`, { cause: e })
  }
  return new IngestError(`${path}: cannot read: ${e.message}`, { cause: e })
}

/** The file's size and whether to gunzip it; fails clearly when it cannot be read. */
async function inspect(
  path: string,
  compression: Compression
): Promise<{ sizeBytes: number; gzip: boolean; textBytes: number }> {
  try {
    const info = await stat(path)
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' })
    const head = compression === 'none' ? { magic: false, isize: 0 } : await gzipHead(path)
    const gzip = compression === 'gzip' || (compression === 'auto' && head.magic)
    const textBytes = gzip ? Math.max(head.isize, info.size) : info.size
    return { sizeBytes: info.size, gzip, textBytes }
  } catch (e) {
    throw describeReadError(path, e as NodeJS.ErrnoException)
  }
}

export async function openInput(
  path: string,
  compression: Compression
): Promise<InputStream<Buffer>> {
  const { sizeBytes, gzip, textBytes } = await inspect(path, compression)
  let bytes = 0
  const hash = createHash('sha256')
  let digest = ''

  async function* read(): AsyncGenerator<Buffer> {
    const text = fileText(path, gzip, CHUNK_BYTES, (chunk) => {
      bytes += chunk.length
      hash.update(chunk)
    })
    try {
      for await (const piece of text) {
        if (piece.length > 0) yield piece
      }
    } catch (e) {
      throw describeReadError(path, e as NodeJS.ErrnoException)
    }
    digest = hash.digest('hex')
  }

  return {
    path,
    sizeBytes,
    gzip,
    textBytes,
    chunks: read(),
    bytesRead: () => bytes,
    sha256: () => digest,
    close: async () => {},
  }
}

/**
 * CSV input cut into lines (SplitPieces): in a worker thread when the file is large (or `worker` says
 * so), else in this thread.
 */
export async function openCsvInput(
  path: string,
  compression: Compression,
  split: SplitOptions,
  worker?: boolean
): Promise<InputStream<SplitPiece>> {
  const file = await inspect(path, compression)
  if (worker ?? file.sizeBytes >= WORKER_MIN_BYTES) return readInWorker(path, file, split)
  const raw = await openInput(path, compression)
  async function* pieces(): AsyncGenerator<SplitPiece> {
    const splitter = new LineSplitter(split.delimiter, split.maxCarry)
    for await (const chunk of raw.chunks) {
      for (const piece of splitter.push(chunk)) {
        yield piece
        splitter.recycle(piece) // taken: the consumer is done with it
      }
    }
    yield* splitter.end()
  }
  return { ...raw, chunks: pieces() }
}

type FromWorker = FromInputWorker | { type: 'exit'; code: number }

/** Pieces the worker may send ahead of the one being read: bounds memory. */
const PIECES_AHEAD = 4

// The bundled CLI runs this from trainer/dist next to ingest-worker.mjs; sources run the .ts.
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('./input-worker.ts', import.meta.url)
  : new URL('./ingest-worker.mjs', import.meta.url)

/**
 * The lines of `piece` from stream position `from` on (a line start), or null when none: the worker
 * read the start of the stream too, and the main thread has read it already.
 */
export function piecePast(piece: SplitPiece, from: number): SplitPiece | null {
  const end = piece.offset + piece.bytes.length
  if (end <= from) return null
  if (piece.offset >= from) return piece
  // `from` starts a line of this piece, and the piece is not partial (a part of one line).
  const skip = from - piece.offset
  const { info } = piece
  let o = 0
  let l = 0
  while (l < piece.lines && (info[o] as number) < skip) {
    o += FIELDS_AT + (info[o + 3] === PLAIN ? 2 * (info[o + 4] as number) : 0)
    l++
  }
  if (l === piece.lines) return null
  return { ...piece, info: info.subarray(o), lines: piece.lines - l, continues: false }
}

async function readInWorker(
  path: string,
  file: { sizeBytes: number; gzip: boolean; textBytes: number },
  split: SplitOptions
): Promise<InputStream<SplitPiece>> {
  const { gzip } = file
  const options: InputWorkerData = {
    path,
    gzip,
    chunkBytes: CHUNK_BYTES,
    ...split,
    ahead: PIECES_AHEAD,
  }
  const worker = new Worker(WORKER_URL, { workerData: options })
  const send = (message: ToInputWorker, transfer: ArrayBuffer[] = []) =>
    worker.postMessage(message, transfer)
  const inbox: FromWorker[] = []
  let wake: (() => void) | null = null
  const deliver = (message: FromWorker) => {
    inbox.push(message)
    const w = wake
    wake = null
    w?.()
  }
  worker.on('message', deliver)
  worker.on('error', (e: NodeJS.ErrnoException) =>
    deliver({ type: 'error', code: e.code, message: e.message })
  )
  worker.on('exit', (code) => deliver({ type: 'exit', code }))
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await worker.terminate()
  }
  let bytes = 0
  let digest = ''
  async function next(): Promise<FromWorker> {
    while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve))
    return inbox.shift() as FromWorker
  }
  /** Hands a piece back to the worker (its buffers, and room for one more piece). */
  function handBack(piece: SplitPiece): void {
    send(piece, pieceBuffers(piece))
  }
  /**
   * The start of the stream, read in this thread while the worker starts (that takes tens of ms)
   * and catches up: whole lines, until the worker has a piece past them (or has failed or ended);
   * returns where the lines read end. The worker's pieces of what is read here are handed back
   * unused as they come.
   */
  async function* head(): AsyncGenerator<SplitPiece, number> {
    const raw = await openInput(path, gzip ? 'gzip' : 'none')
    const splitter = new LineSplitter(split.delimiter, split.maxCarry)
    let done = 0
    for await (const chunk of raw.chunks) {
      for (const piece of splitter.push(chunk)) {
        yield piece
        done = piece.offset + piece.bytes.length
        splitter.recycle(piece)
        // Switch only at a line's start: not in the middle of an over-long line's pieces.
        if (piece.partial) continue
        for (let m = inbox[0]; m !== undefined; m = inbox[0]) {
          if (m.type !== 'piece' || m.piece.offset + m.piece.bytes.length > done) return done
          inbox.shift()
          bytes = m.bytesRead
          handBack(m.piece)
        }
      }
    }
    return done // read to the end here; the worker's pieces past it are the last line, if any
  }
  async function* pieces(): AsyncGenerator<SplitPiece> {
    try {
      const done = yield* head()
      for (;;) {
        const m = await next()
        if (m.type === 'piece') {
          bytes = m.bytesRead
          const piece = piecePast(m.piece, done)
          if (piece !== null) yield piece
          handBack(m.piece) // taken: the worker may send one more
        } else if (m.type === 'end') {
          bytes = m.bytesRead
          digest = m.digest
          return
        } else if (m.type === 'error') {
          throw describeReadError(path, Object.assign(new Error(m.message), { code: m.code }))
        } else {
          throw new IngestError(`${path}: the input reader stopped (exit code ${m.code})`)
        }
      }
    } finally {
      await close()
    }
  }
  return {
    path,
    ...file,
    chunks: pieces(),
    bytesRead: () => bytes,
    sha256: () => digest,
    close,
  }
}
