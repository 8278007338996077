// The quarantine side of the agreement check: the same rows dropped for the same reasons. Rows are
// matched by reason and content, not by line: pandas cannot say where a line with the wrong number
// of fields was, so its line numbers would drift past one. Content is a row's canonical text (its
// fields re-joined, field-record.ts), so `a,"b"` in one file matches `a,b` in the other. pandas has
// one reason, `invalid`, for every unreadable row (fcv names the field: bad_timestamp, ...).

import { readFileSync } from 'node:fs'
import { CsvSyntaxError, CsvTokenizer } from '../../trainer/src/ingest/csv-tokenizer.ts'
import { canonicalText } from '../../trainer/src/ingest/field-record.ts'
import { INVALID_REASONS } from '../../trainer/src/ingest/reasons.ts'
import { emptyDifference, noteOnly, type RowSetDifference } from './row-set.ts'

const EXAMPLES = 5
const invalid: ReadonlySet<string> = new Set(INVALID_REASONS)

/** The records of a CSV text, header included. */
function records(text: string): string[][] {
  const out: string[][] = []
  const tokenizer = new CsvTokenizer((fields) => out.push(fields))
  tokenizer.push(text)
  tokenizer.end()
  return out
}

/** A raw line's fields re-joined canonically; the text itself when it is not valid CSV. */
function canonical(raw: string, delimiter: string): string {
  if (!raw.includes('"')) return raw // unquoted fields joined: canonical already
  try {
    const [fields] = records(raw)
    return fields === undefined ? raw : canonicalText(fields, delimiter)
  } catch (e) {
    if (e instanceof CsvSyntaxError) return raw
    throw e
  }
}

/** `reason raw` -> count, from the columns named `reason` and `raw` of a quarantine file. */
function quarantined(file: string, delimiter: string): Map<string, number> {
  const [header, ...rows] = records(readFileSync(file, 'utf8'))
  const r = header?.indexOf('reason') ?? -1
  const w = header?.indexOf('raw') ?? -1
  if (r < 0 || w < 0) throw new Error(`${file}: no reason and raw columns`)
  const out = new Map<string, number>()
  for (const row of rows) {
    const reason = row[r] ?? ''
    const key = `${invalid.has(reason) ? 'invalid' : reason} ${canonical(row[w] ?? '', delimiter)}`
    out.set(key, (out.get(key) ?? 0) + 1)
  }
  return out
}

/** Rows are `reason raw`; one dropped for different reasons on the two sides counts on both. */
export function compareQuarantine(
  fcvFile: string,
  pandasFile: string,
  delimiter: string
): RowSetDifference {
  const a = quarantined(fcvFile, delimiter)
  const b = quarantined(pandasFile, delimiter)
  const d = emptyDifference()
  for (const n of a.values()) d.rowsA += n
  for (const n of b.values()) d.rowsB += n
  for (const [key, n] of a) {
    const extra = n - (b.get(key) ?? 0)
    if (extra > 0) noteOnly(d, 'A', key, EXAMPLES, extra)
  }
  for (const [key, n] of b) {
    const extra = n - (a.get(key) ?? 0)
    if (extra > 0) noteOnly(d, 'B', key, EXAMPLES, extra)
  }
  return d
}
