// quarantine.csv: every row ingest did not keep, with its line, reason code, the column at fault and
// the raw text, so a person can fix the source or a params mapping and see exactly what was dropped.

import { open, type FileHandle } from 'node:fs/promises'
import type { QuarantineReason } from './reasons.ts'

export const QUARANTINE_HEADER = 'line,reason,column,detail,raw\n'

const NEEDS_QUOTES = /[",\r\n]/

/** RFC 4180 escaping: quote a field that holds a comma, quote or line break; double its quotes. */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

export class QuarantineWriter {
  private readonly handle: FileHandle
  private parts: string[] = [QUARANTINE_HEADER]
  private chars = QUARANTINE_HEADER.length

  private constructor(handle: FileHandle) {
    this.handle = handle
  }

  /** Creates `path`, which must not exist yet. */
  static async create(path: string): Promise<QuarantineWriter> {
    return new QuarantineWriter(await open(path, 'wx'))
  }

  add(line: number, reason: QuarantineReason, column: string, detail: string, raw: string): void {
    const text = `${line},${reason},${csvField(column)},${csvField(detail)},${csvField(raw)}\n`
    this.parts.push(text)
    this.chars += text.length
  }

  /**
   * Writes the buffered rows. Called after every input chunk: a row's raw text is a slice of that
   * chunk, so holding rows longer would keep whole chunks alive and into the old generation.
   */
  async flush(): Promise<void> {
    if (this.chars === 0) return
    const text = this.parts.join('')
    this.parts = []
    this.chars = 0
    await this.handle.write(text, null, 'utf8')
  }

  async finish(): Promise<void> {
    await this.flush()
    await this.handle.sync()
    await this.handle.close()
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => {})
  }
}
