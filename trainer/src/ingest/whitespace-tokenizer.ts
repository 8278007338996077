// The whitespace log format: fields split on runs of spaces and tabs, no quoting. Same interface as
// the CSV tokenizer, so ingest treats both alike.

import type { RecordSink, Tokenizer } from './csv-tokenizer.ts'

const CR = 13
const BOM = 0xfeff

/**
 * Whitespace-separated text: fields split on runs of spaces and tabs, no quoting, lines trimmed,
 * blank lines skipped. The raw text passed on is the line without its line end.
 */
export class WhitespaceTokenizer implements Tokenizer {
  private readonly onRecord: RecordSink
  private started = false
  private line = 1
  private carry = ''

  constructor(onRecord: RecordSink) {
    this.onRecord = onRecord
  }

  push(chunk: string): void {
    if (chunk.length === 0) return
    if (!this.started) {
      this.started = true
      if (chunk.charCodeAt(0) === BOM) chunk = chunk.slice(1)
    }
    const buf = this.carry.length === 0 ? chunk : this.carry + chunk
    let pos = 0
    for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n', pos)) {
      this.emitLine(buf.slice(pos, nl))
      pos = nl + 1
    }
    this.carry = buf.slice(pos)
  }

  end(): void {
    if (this.carry.length > 0) this.emitLine(this.carry)
    this.carry = ''
  }

  private emitLine(text: string): void {
    const raw = text.charCodeAt(text.length - 1) === CR ? text.slice(0, -1) : text
    const trimmed = raw.trim()
    if (trimmed.length > 0) this.onRecord(trimmed.split(/[ \t]+/), this.line, raw)
    this.line++
  }
}
