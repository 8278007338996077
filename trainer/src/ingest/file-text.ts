// A log file's text as a stream of chunks, gunzipped when asked, with every byte of the file (as
// stored, compressed or not) shown to `tap` on the way, for progress and the report's sha256 in the
// same pass. The main thread (input.ts) and the input worker (input-worker.ts) both read through it.

import { createReadStream } from 'node:fs'
import { Transform, pipeline, type Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'

export function fileText(
  path: string,
  gzip: boolean,
  chunkBytes: number,
  tap: (fileChunk: Buffer) => void
): AsyncIterable<Buffer> {
  const file = createReadStream(path, { highWaterMark: chunkBytes })
  const tapped = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      tap(chunk)
      done(null, chunk)
    },
  })
  // pipeline destroys every stage with the first error, so iterating the last one rethrows it.
  const last: Readable = gzip
    ? pipeline(file, tapped, createGunzip({ chunkSize: chunkBytes }), () => {})
    : pipeline(file, tapped, () => {})
  return last as AsyncIterable<Buffer>
}
