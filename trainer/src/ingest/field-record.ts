// One record as the row validator reads it: a line record of a line table (line-split.ts) over one
// buffer, giving each field's byte range and the row's duplicate fingerprint. Plain lines are read in
// place from the input; records given as strings (quoted fields, whitespace logs) are first encoded
// into a scratch buffer and a one-record table here.
//
// Duplicates are rows whose fields are all equal. A row is identified by its canonical text: the
// fields joined by the delimiter, a field quoted RFC 4180 style (its quotes doubled) only when it
// contains a quote, the delimiter or a line feed. That text determines the fields (an unquoted field
// holds no delimiter and never starts with a quote), so equal texts mean equal fields; and for a line
// without quotes it is the line itself, so plain lines are fingerprinted from the input as they are.
// `a,"b"` and `a,b` are the same row; `"a,b",c` and `a,"b,c"` are not.

import { FIELDS_AT, PLAIN, fingerprint } from './line-split.ts'

export class FieldRecord {
  /** The buffer the ranges refer to, for decoding text. */
  buf: Buffer = Buffer.alloc(0)
  /** The same memory as a plain Uint8Array, for byte loops (one array type, one fast path). */
  bytes: Uint8Array = new Uint8Array(0)
  /** And as a DataView, for reading four bytes at a time. */
  view: DataView = new DataView(new ArrayBuffer(0))
  /** The line table holding the record (see SplitPiece), and where the record starts in it. */
  info: Int32Array = new Int32Array(FIELDS_AT)
  at = 0

  /** Number of fields. */
  get count(): number {
    return this.info[this.at + 4] as number
  }

  /** Field i is bytes[start(i), end(i)). */
  start(i: number): number {
    return this.info[this.at + FIELDS_AT + 2 * i] as number
  }

  end(i: number): number {
    return this.info[this.at + FIELDS_AT + 2 * i + 1] as number
  }
}

/** A Buffer over a Uint8Array's memory (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** Fills a FieldRecord from fields given as strings. */
export class FieldEncoder {
  private readonly delimiter: string
  private readonly record = new FieldRecord()
  private scratch: Buffer = Buffer.alloc(1 << 12)
  private scratchBytes = new Uint8Array(this.scratch.buffer, this.scratch.byteOffset, 1 << 12)
  private scratchView = new DataView(this.scratch.buffer, this.scratch.byteOffset, 1 << 12)

  constructor(delimiter: string) {
    this.delimiter = delimiter
  }

  encode(fields: readonly string[]): FieldRecord {
    const record = this.record
    const n = fields.length
    if (record.info.length < FIELDS_AT + 2 * n) record.info = new Int32Array(FIELDS_AT + 4 * n)
    const joined = fields.join(this.delimiter)
    if (joined.length * 3 > this.scratch.length) {
      const scratch = Buffer.alloc(Math.max(joined.length * 3, this.scratch.length * 2))
      this.scratch = scratch
      this.scratchBytes = new Uint8Array(scratch.buffer, scratch.byteOffset, scratch.length)
      this.scratchView = new DataView(scratch.buffer, scratch.byteOffset, scratch.length)
    }
    const scratch = this.scratch
    const length = scratch.write(joined, 0, 'utf8')
    const info = record.info
    let at = 0
    let f = FIELDS_AT
    if (length === joined.length) {
      // ASCII: bytes and UTF-16 code units line up.
      for (let i = 0; i < n; i++, f += 2) {
        info[f] = at
        at += (fields[i] as string).length
        info[f + 1] = at
        at++
      }
    } else {
      const delimiterBytes = Buffer.byteLength(this.delimiter, 'utf8')
      for (let i = 0; i < n; i++, f += 2) {
        info[f] = at
        at += Buffer.byteLength(fields[i] as string, 'utf8')
        info[f + 1] = at
        at += delimiterBytes
      }
    }
    info[0] = 0
    info[1] = length
    info[2] = length
    info[3] = PLAIN
    info[4] = n
    const key = this.canonical(fields)
    if (key !== null) {
      const bytes = Buffer.from(key, 'utf8')
      fingerprint(
        new DataView(bytes.buffer, bytes.byteOffset, bytes.length),
        0,
        bytes.length,
        info,
        5
      )
    } else {
      // The scratch holds the fields joined by the delimiter: the canonical text itself.
      fingerprint(this.scratchView, 0, length, info, 5)
    }
    record.buf = scratch
    record.bytes = this.scratchBytes
    record.view = this.scratchView
    record.at = 0
    return record
  }

  /** The canonical text when some field needs quotes in it, else null (it is the joined fields). */
  private canonical(fields: readonly string[]): string | null {
    let text: string | null = null
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i] as string
      const quoted = needsQuotes(f, this.delimiter)
      if (quoted && text === null) text = fields.slice(0, i).join(this.delimiter)
      if (text === null) continue
      if (i > 0) text += this.delimiter
      text += quoted ? `"${f.replaceAll('"', '""')}"` : f
    }
    return text
  }
}

function needsQuotes(field: string, delimiter: string): boolean {
  return field.includes('"') || field.includes(delimiter) || field.includes('\n')
}

/** The canonical text of a row's fields (see the top of this file). */
export function canonicalText(fields: readonly string[], delimiter: string): string {
  return fields
    .map((f) => (needsQuotes(f, delimiter) ? `"${f.replaceAll('"', '""')}"` : f))
    .join(delimiter)
}
