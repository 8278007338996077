// quarantine.csv: every row ingest did not keep, with its line, reason code, the column at fault and
// the raw text, so a person can fix the source or a params mapping and see exactly what was dropped.
// Rows are written as bytes into a buffer that is flushed after every input chunk; a plain line's raw
// text is copied byte for byte, never made a string.

import { open, type FileHandle } from 'node:fs/promises'
import { csvField } from '../io/csv-field.ts'
import type { QuarantineReason } from './reasons.ts'

export const QUARANTINE_HEADER = 'line,reason,column,detail,raw\n'

/** Rows are written in pieces of about this many bytes. */
const FLUSH_BYTES = 1 << 20

const QUOTE = 34
const COMMA = 44
const CR = 13
const LF = 10

/** A growable byte buffer for the rows between two flushes. */
class Rows {
  buf: Buffer
  bytes: Uint8Array
  length = 0

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity)
    this.bytes = new Uint8Array(this.buf.buffer, this.buf.byteOffset, capacity)
  }

  reserve(more: number): void {
    const need = this.length + more
    if (need <= this.buf.length) return
    const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2))
    this.buf.copy(grown, 0, 0, this.length)
    this.buf = grown
    this.bytes = new Uint8Array(grown.buffer, grown.byteOffset, grown.length)
  }

  writeString(text: string): void {
    this.reserve(text.length * 3)
    this.length += this.buf.write(text, this.length, 'utf8')
  }
}

export class QuarantineWriter {
  private readonly handle: FileHandle
  /** Two buffers: one being filled while the other may be in flight to the file. */
  private rows = new Rows(FLUSH_BYTES + (1 << 16))
  private spare = new Rows(FLUSH_BYTES + (1 << 16))
  /** The write under way, if any (at most one). */
  private writing: Promise<void> | null = null
  // The previous row's `,reason,column,detail,` and its bytes: consecutive rows often share it.
  private lastReason = ''
  private lastColumn = ''
  private lastDetail = ''
  private lastMiddle = new Uint8Array(0)

  private constructor(handle: FileHandle) {
    this.handle = handle
    this.rows.writeString(QUARANTINE_HEADER)
  }

  /** Creates `path`, which must not exist yet. */
  static async create(path: string): Promise<QuarantineWriter> {
    return new QuarantineWriter(await open(path, 'wx'))
  }

  add(line: number, reason: QuarantineReason, column: string, detail: string, raw: string): void {
    this.start(line, reason, column, detail)
    this.rows.writeString(csvField(raw))
    this.end()
  }

  /**
   * add() with the raw text as the UTF-8 bytes src[start, end): escaped as csvField() escapes text
   * (a quote byte is never part of a multi-byte character, so doubling bytes doubles characters).
   */
  addBytes(
    line: number,
    reason: QuarantineReason,
    column: string,
    detail: string,
    src: Uint8Array,
    start: number,
    end: number
  ): void {
    this.start(line, reason, column, detail)
    const rows = this.rows
    const raw = src.subarray(start, end)
    const n = raw.length
    rows.reserve(2 * n + 3)
    const bytes = rows.bytes
    let at = rows.length
    if (raw.indexOf(QUOTE) === -1) {
      // The usual case, copied whole: quoted when it holds a comma or a line break.
      const quote = raw.indexOf(COMMA) !== -1 || raw.indexOf(CR) !== -1 || raw.indexOf(LF) !== -1
      if (quote) bytes[at++] = QUOTE
      bytes.set(raw, at)
      at += n
      if (quote) bytes[at++] = QUOTE
    } else {
      bytes[at++] = QUOTE
      for (let i = 0; i < n; i++) {
        const c = raw[i] as number
        if (c === QUOTE) bytes[at++] = QUOTE
        bytes[at++] = c
      }
      bytes[at++] = QUOTE
    }
    bytes[at++] = LF
    rows.length = at
  }

  /** Writes `line,reason,column,detail,`. */
  private start(line: number, reason: string, column: string, detail: string): void {
    if (reason !== this.lastReason || column !== this.lastColumn || detail !== this.lastDetail) {
      this.lastReason = reason
      this.lastColumn = column
      this.lastDetail = detail
      const middle = Buffer.from(`,${reason},${csvField(column)},${csvField(detail)},`, 'utf8')
      this.lastMiddle = new Uint8Array(middle.buffer, middle.byteOffset, middle.length)
    }
    const middle = this.lastMiddle
    const rows = this.rows
    rows.reserve(16 + middle.length)
    const bytes = rows.bytes
    let at = rows.length
    // The line number's digits, then the middle.
    let digits = 1
    for (let v = line; v >= 10; v = Math.floor(v / 10)) digits++
    at += digits
    for (let v = line, k = at - 1; k >= rows.length; k--, v = Math.floor(v / 10)) {
      bytes[k] = 48 + (v % 10)
    }
    bytes.set(middle, at)
    rows.length = at + middle.length
  }

  private end(): void {
    const rows = this.rows
    rows.reserve(1)
    rows.bytes[rows.length++] = LF
  }

  /**
   * Starts writing the buffered rows once there are at least `atLeast` bytes of them (a megabyte by
   * default: fewer, larger writes); called after every input chunk. The write runs while the caller
   * reads on; the next flush (or finish) waits for it, and only then reuses its buffer.
   */
  async flush(atLeast = FLUSH_BYTES): Promise<void> {
    if (this.rows.length === 0 || this.rows.length < atLeast) return
    if (this.writing !== null) await this.writing
    const full = this.rows
    this.rows = this.spare
    this.rows.length = 0
    this.spare = full
    const handle = this.handle
    const writing = (async () => {
      for (let at = 0; at < full.length;) {
        at += (await handle.write(full.buf, at, full.length - at)).bytesWritten
      }
    })()
    writing.catch(() => {}) // observed by the next flush or finish, not unhandled meanwhile
    this.writing = writing
  }

  async finish(): Promise<void> {
    await this.flush(0)
    if (this.writing !== null) await this.writing
    this.writing = null
    await this.handle.sync()
    await this.handle.close()
  }

  async abort(): Promise<void> {
    await this.writing?.catch(() => {})
    await this.handle.close().catch(() => {})
  }
}
