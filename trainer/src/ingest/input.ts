// Opens the transaction log as a stream of UTF-8 text, gunzipping when asked or when the file starts
// with the gzip magic bytes. The raw bytes are counted and hashed as they stream past, so progress and
// the report's sha256 cost no second pass over the file.

import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { Transform, pipeline, type Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { IngestError } from './errors.ts'

export type Compression = 'auto' | 'gzip' | 'none'

export interface InputStream {
  readonly path: string
  readonly sizeBytes: number
  readonly gzip: boolean
  /** Decoded text, in pieces of a few hundred KB. */
  readonly chunks: AsyncIterable<string>
  /** Bytes of the file (compressed, when gzipped) read so far. */
  bytesRead(): number
  /** sha256 of the whole file, hex; valid once `chunks` is exhausted. */
  sha256(): string
}

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

export async function openInput(path: string, compression: Compression): Promise<InputStream> {
  let sizeBytes: number
  let gzip: boolean
  try {
    const info = await stat(path)
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' })
    sizeBytes = info.size
    gzip = compression === 'gzip' || (compression === 'auto' && (await startsWithGzipMagic(path)))
  } catch (e) {
    throw describeReadError(path, e as NodeJS.ErrnoException)
  }
  let bytes = 0
  const hash = createHash('sha256')
  let digest = ''

  async function* decode(): AsyncGenerator<string> {
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
    const decoder = new TextDecoder('utf-8')
    try {
      for await (const piece of last as AsyncIterable<Buffer>) {
        const text = decoder.decode(piece, { stream: true })
        if (text.length > 0) yield text
      }
    } catch (e) {
      throw describeReadError(path, e as NodeJS.ErrnoException)
    }
    const tail = decoder.decode()
    if (tail.length > 0) yield tail
    digest = hash.digest('hex')
  }

  return {
    path,
    sizeBytes,
    gzip,
    chunks: decode(),
    bytesRead: () => bytes,
    sha256: () => digest,
  }
}
