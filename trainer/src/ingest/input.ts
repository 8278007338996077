// Opens the transaction log as a stream of bytes (the text, UTF-8), gunzipping when asked or when the
// file starts with the gzip magic bytes. The file's bytes are counted and hashed as they stream past,
// so progress and the report's sha256 cost no second pass over the file. Decoding is left to the
// tokenizer: the CSV one reads most lines without decoding them at all.
//
// A CSV log of more than a megabyte is read in a worker thread: reading, gunzipping, hashing and
// cutting the text into lines and fields (line-split.ts) run beside the main thread, which is left
// the rows. The CLI is one bundled file, so the worker runs the source text of self-contained
// functions (inputWorker below, and line-split.ts) rather than a module of its own.

import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { Transform, pipeline, type Readable } from 'node:stream'
import { Worker } from 'node:worker_threads'
import { createGunzip } from 'node:zlib'
import { IngestError } from './errors.ts'
import { FIELDS_AT, LineSplitter, PLAIN, fingerprint, type SplitPiece } from './line-split.ts'

export type Compression = 'auto' | 'gzip' | 'none'

export interface InputStream<T> {
  readonly path: string
  readonly sizeBytes: number
  readonly gzip: boolean
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

async function startsWithGzipMagic(path: string): Promise<boolean> {
  const handle = await open(path, 'r')
  try {
    const head = Buffer.alloc(2)
    const { bytesRead } = await handle.read(head, 0, 2, 0)
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b
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
): Promise<{ sizeBytes: number; gzip: boolean }> {
  try {
    const info = await stat(path)
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' })
    const gzip =
      compression === 'gzip' || (compression === 'auto' && (await startsWithGzipMagic(path)))
    return { sizeBytes: info.size, gzip }
  } catch (e) {
    throw describeReadError(path, e as NodeJS.ErrnoException)
  }
}

export async function openInput(
  path: string,
  compression: Compression
): Promise<InputStream<Buffer>> {
  const { sizeBytes, gzip } = await inspect(path, compression)
  let bytes = 0
  const hash = createHash('sha256')
  let digest = ''

  async function* read(): AsyncGenerator<Buffer> {
    const file = createReadStream(path, { highWaterMark: CHUNK_BYTES })
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length
        hash.update(chunk)
        done(null, chunk)
      },
    })
    // pipeline destroys every stage with the first error, so iterating the last one rethrows it.
    const last: Readable = gzip
      ? pipeline(file, tap, createGunzip({ chunkSize: CHUNK_BYTES }), () => {})
      : pipeline(file, tap, () => {})
    try {
      for await (const piece of last as AsyncIterable<Buffer>) {
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
  const { sizeBytes, gzip } = await inspect(path, compression)
  if (worker ?? sizeBytes >= WORKER_MIN_BYTES) return readInWorker(path, sizeBytes, gzip, split)
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

type FromWorker =
  | { type: 'piece'; piece: SplitPiece; bytesRead: number }
  | { type: 'end'; digest: string; bytesRead: number }
  | { type: 'error'; code: string | undefined; message: string }
  | { type: 'exit'; code: number }

/** Pieces the worker may send ahead of the one being read: bounds memory. */
const PIECES_AHEAD = 4

/**
 * The worker: reads, gunzips and hashes the file, and posts the pieces a LineSplitter cuts, at most
 * `ahead` more than the main thread has taken (it posts each one back when done with it, for its
 * buffers to be reused). Run from its source text, so it names nothing outside itself but its
 * parameter.
 */
function inputWorker(Splitter: typeof LineSplitter): void {
  const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads')
  const { createReadStream } = process.getBuiltinModule('node:fs')
  const { createGunzip } = process.getBuiltinModule('node:zlib')
  const { createHash } = process.getBuiltinModule('node:crypto')
  const { Transform, pipeline } = process.getBuiltinModule('node:stream')
  const port = parentPort as NonNullable<typeof parentPort>
  const { path, gzip, chunkBytes, delimiter, maxCarry, ahead } = workerData as {
    path: string
    gzip: boolean
    chunkBytes: number
    delimiter: number
    maxCarry: number
    ahead: number
  }
  const splitter = new Splitter(delimiter, maxCarry)
  const hash = createHash('sha256')
  let bytesRead = 0
  let credit = ahead
  let wake: (() => void) | null = null
  port.on('message', (used: SplitPiece) => {
    splitter.recycle(used)
    credit++
    const w = wake
    wake = null
    w?.()
  })
  async function post(pieces: SplitPiece[]): Promise<void> {
    for (const piece of pieces) {
      while (credit === 0) await new Promise<void>((resolve) => (wake = resolve))
      credit--
      const transfer = [piece.bytes.buffer as ArrayBuffer, piece.info.buffer as ArrayBuffer]
      port.postMessage({ type: 'piece', piece, bytesRead }, transfer)
    }
  }
  async function run(): Promise<void> {
    const file = createReadStream(path, { highWaterMark: chunkBytes })
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytesRead += chunk.length
        hash.update(chunk)
        done(null, chunk)
      },
    })
    const last = gzip
      ? pipeline(file, tap, createGunzip({ chunkSize: chunkBytes }), () => {})
      : pipeline(file, tap, () => {})
    let first = true
    for await (const chunk of last as AsyncIterable<Buffer>) {
      if (!first) await post(splitter.push(chunk))
      else {
        // The main thread waits for the first lines: send them in smaller pieces.
        first = false
        for (let at = 0; at < chunk.length; at += 1 << 15) {
          await post(splitter.push(chunk.subarray(at, at + (1 << 15))))
        }
      }
    }
    await post(splitter.end())
    port.postMessage({ type: 'end', digest: hash.digest('hex'), bytesRead })
  }
  run().catch((e: NodeJS.ErrnoException) => {
    port.postMessage({ type: 'error', code: e.code, message: String(e.message) })
  })
}

const WORKER_SOURCE = `${fingerprint}
const Splitter = ${LineSplitter};
(${inputWorker})(Splitter);
`

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
  sizeBytes: number,
  gzip: boolean,
  split: SplitOptions
): Promise<InputStream<SplitPiece>> {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { path, gzip, chunkBytes: CHUNK_BYTES, ...split, ahead: PIECES_AHEAD },
  })
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
    worker.postMessage(piece, [piece.bytes.buffer as ArrayBuffer, piece.info.buffer as ArrayBuffer])
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
    sizeBytes,
    gzip,
    chunks: pieces(),
    bytesRead: () => bytes,
    sha256: () => digest,
    close,
  }
}
