// The input worker (input.ts starts it for large CSV logs): reads, gunzips and hashes the file and
// cuts it into SplitPieces (line-split.ts). It posts at most `ahead` pieces more than the main thread
// has handed back, so memory stays bounded; handed-back pieces' buffers are reused.

import { createHash } from 'node:crypto'
import { parentPort, workerData } from 'node:worker_threads'
import { fileText } from './file-text.ts'
import {
  pieceBuffers,
  type FromInputWorker,
  type InputWorkerData,
  type ToInputWorker,
} from './input-protocol.ts'
import { LineSplitter, type SplitPiece } from './line-split.ts'

function run(port: NonNullable<typeof parentPort>, options: InputWorkerData): void {
  const { path, gzip, chunkBytes, delimiter, maxCarry, ahead } = options
  const splitter = new LineSplitter(delimiter, maxCarry)
  const hash = createHash('sha256')
  let bytesRead = 0
  let credit = ahead
  let wake: (() => void) | null = null
  port.on('message', (used: ToInputWorker) => {
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
      const message: FromInputWorker = { type: 'piece', piece, bytesRead }
      port.postMessage(message, pieceBuffers(piece))
    }
  }
  async function read(): Promise<void> {
    const text = fileText(path, gzip, chunkBytes, (chunk) => {
      bytesRead += chunk.length
      hash.update(chunk)
    })
    let first = true
    for await (const chunk of text) {
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
    const end: FromInputWorker = { type: 'end', digest: hash.digest('hex'), bytesRead }
    port.postMessage(end)
  }
  read().catch((e: NodeJS.ErrnoException) => {
    const error: FromInputWorker = { type: 'error', code: e.code, message: String(e.message) }
    port.postMessage(error)
  })
}

// Only ever loaded as a worker's entry (input.ts); its own thread has a parent port.
if (parentPort !== null) run(parentPort, workerData as InputWorkerData)
