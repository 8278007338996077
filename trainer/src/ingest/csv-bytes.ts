// CSV straight from the input bytes. Nearly every line of a transaction log is ASCII with no quote,
// or with simply quoted fields ("a, b"); line-split.ts cuts such a line into field ranges (in the
// input worker, or here) and it is handed over in place, with no text decoding and no strings. Every
// other line (a non-ASCII byte, a doubled quote or text after a closing quote, a quoted field that
// goes on to the next line, the first line, and every line while a quoted record is open) is decoded
// and read by CsvTokenizer, so quoting, line numbers, raw text, the BOM and every error stay exactly
// what CsvTokenizer makes of the decoded stream.
//
// Why decoding line by line equals decoding the stream: the text path is only entered at the start
// of a line and is fed whole lines (up to and with the line feed) until it is between records again,
// and a line feed is one byte that no UTF-8 sequence contains, so the decoder holds nothing across it.
// The first line always takes the text path, so the decoder and CsvTokenizer see the stream's start
// (where each drops a byte order mark).

import { CsvTokenizer, MAX_RECORD_CHARS, type RecordSink } from './csv-tokenizer.ts'
import { FieldRecord, asBuffer } from './field-record.ts'
import { BLANK, FIELDS_AT, LineSplitter, PLAIN, type SplitPiece } from './line-split.ts'

/**
 * Receives a line read in place (line-split.ts: a PLAIN line) as `record` (valid during the call),
 * and its physical line number; returns false to have the line read as text instead.
 */
export type LineSink = (record: FieldRecord, line: number) => boolean

/**
 * A partial line longer than this (or than the record limit) goes to the text path, which knows how
 * long is too long.
 */
export const MAX_CARRY_BYTES = 1 << 20

/** What LineSplitter needs to cut input for a CsvByteTokenizer with this delimiter and limit. */
export function splitterOptions(delimiter: string, maxRecordChars = MAX_RECORD_CHARS) {
  return {
    delimiter: delimiter.charCodeAt(0),
    maxCarry: Math.min(MAX_CARRY_BYTES, maxRecordChars),
  }
}

export class CsvByteTokenizer {
  private readonly onLine: LineSink
  private readonly text: CsvTokenizer
  private readonly decoder = new TextDecoder('utf-8')
  private readonly record = new FieldRecord()
  /** For input given as raw chunks (push); input split elsewhere comes through pushPiece. */
  private readonly splitter: LineSplitter
  /** Physical line number of the next line. */
  private line = 1
  private textStarted = false

  constructor(
    onLine: LineSink,
    onRecord: RecordSink,
    delimiter = ',',
    maxRecordChars = MAX_RECORD_CHARS
  ) {
    this.text = new CsvTokenizer(onRecord, delimiter, maxRecordChars) // checks the delimiter
    this.onLine = onLine
    const options = splitterOptions(delimiter, maxRecordChars)
    this.splitter = new LineSplitter(options.delimiter, options.maxCarry)
  }

  /** The next chunk of input bytes. */
  push(chunk: Uint8Array): void {
    for (const piece of this.splitter.push(chunk)) {
      this.pushPiece(piece)
      this.splitter.recycle(piece)
    }
  }

  /**
   * The next piece of input, already cut by a LineSplitter made with splitterOptions(). Nothing of the
   * piece is kept once this returns: its buffers may be reused.
   */
  pushPiece(piece: SplitPiece): void {
    const { bytes, info, lines } = piece
    const buf = asBuffer(bytes)
    if (piece.partial) {
      this.toText(buf, 0, bytes.length)
      return
    }
    const record = this.record
    record.buf = buf
    record.bytes = bytes
    record.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    record.info = info
    const text = this.text
    let o = 0
    for (let l = 0; l < lines; l++) {
      const kind = info[o + 3] as number
      const at = o
      o += FIELDS_AT + (kind === PLAIN ? 2 * (info[o + 4] as number) : 0)
      // The text path takes the line if it is mid-record or has not seen the start yet, or if the
      // line continues one it was given in pieces, or if the line is not plain.
      const viaText = !this.textStarted || !text.idle || (l === 0 && piece.continues)
      if (!viaText && kind === BLANK) {
        this.line++ // a blank line between records
        continue
      }
      if (viaText || kind !== PLAIN) {
        this.toText(buf, info[at] as number, info[at + 2] as number)
        continue
      }
      record.at = at
      if (this.onLine(record, this.line)) this.line++
      else this.toText(buf, info[at] as number, info[at + 2] as number)
    }
  }

  /** Reads the last line, which has no line feed; throws CsvSyntaxError on an unclosed quote. */
  end(): void {
    for (const piece of this.splitter.end()) this.pushPiece(piece)
    const tail = this.decoder.decode()
    if (tail.length > 0) this.text.push(tail)
    this.text.end()
  }

  /** Feeds buf[start, end) to the text path; the bytes start a line or continue the text path's. */
  private toText(buf: Buffer, start: number, end: number): void {
    const text = this.text
    if (text.idle) text.nextLine = this.line
    this.textStarted = true
    const decoded = this.decoder.decode(buf.subarray(start, end), { stream: true })
    if (decoded.length > 0) text.push(decoded)
    if (text.idle) this.line = text.nextLine
  }
}
