// Byte-level CSV record handling for copying rows unchanged: records are split on line feeds outside
// double quotes, so a quoted field may span lines; bytes are never decoded and re-encoded on the way
// through, so every copied record is byte-identical to the source.

const QUOTE = 0x22
const LINE_FEED = 0x0a
const CARRIAGE_RETURN = 0x0d

/** Feeds chunks in, gets whole records out (each with its own line ending, if it had one). */
export class RecordSplitter {
  private pending: Buffer[] = []
  private inQuotes = false

  push(chunk: Buffer): Buffer[] {
    const records: Buffer[] = []
    let start = 0
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]
      // A doubled quote inside a quoted field toggles twice: no special case needed.
      if (byte === QUOTE) this.inQuotes = !this.inQuotes
      else if (byte === LINE_FEED && !this.inQuotes) {
        const piece = chunk.subarray(start, i + 1)
        records.push(this.pending.length ? Buffer.concat([...this.pending, piece]) : piece)
        this.pending = []
        start = i + 1
      }
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start))
    return records
  }

  /** The last record when the input does not end with a line feed. */
  end(): Buffer[] {
    const rest = this.pending.length ? [Buffer.concat(this.pending)] : []
    this.pending = []
    this.inQuotes = false
    return rest
  }
}

/** The record without its trailing LF or CRLF. */
export function withoutLineEnding(record: Buffer): Buffer {
  let end = record.length
  if (end > 0 && record[end - 1] === LINE_FEED) end--
  if (end > 0 && record[end - 1] === CARRIAGE_RETURN) end--
  return record.subarray(0, end)
}

/** RFC 4180 fields of one record (without its line ending). */
export function parseCsvRecord(text: string, delimiter = ','): string[] {
  const fields: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === delimiter) {
      fields.push(field)
      field = ''
    } else field += c
  }
  fields.push(field)
  return fields
}
