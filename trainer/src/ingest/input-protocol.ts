// Messages between the main thread (input.ts) and the input worker (input-worker.ts).

import type { SplitPiece } from './line-split.ts'

export interface InputWorkerData {
  path: string
  gzip: boolean
  chunkBytes: number
  delimiter: number
  maxCarry: number
  ahead: number
}

/** A piece the main thread is done with: its buffers go back to be reused. */
export type ToInputWorker = SplitPiece

export type FromInputWorker =
  | { type: 'piece'; piece: SplitPiece; bytesRead: number }
  | { type: 'end'; digest: string; bytesRead: number }
  | { type: 'error'; code: string | undefined; message: string }

/** The buffers a piece owns, to transfer it between threads. */
export function pieceBuffers(piece: SplitPiece): ArrayBuffer[] {
  return [piece.bytes.buffer as ArrayBuffer, piece.info.buffer as ArrayBuffer]
}
