// Reading a generated log back in the generator's tests: its lines, parsed rows, and the spend facts
// the regimes promise (yearly spend, Q4 share, first purchases), computed from the written rows only.

import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

export const sha256 = (file: string) =>
  createHash('sha256').update(readFileSync(file)).digest('hex')

/** Minimal RFC 4180 record parser for one physical line (the generator never writes line breaks). */
export function parseCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',')
  const fields: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      fields.push(field)
      field = ''
    } else field += c
  }
  fields.push(field)
  return fields
}

export interface WrittenLog {
  header: string
  /** Column position by header name. */
  column: (name: string) => number
  /** Data lines, without the header. */
  lines: string[]
  rows: string[][]
  /** Whether a row has every field, a valid InvoiceDate and an integer quantity. */
  isWellFormed: (fields: string[]) => boolean
}

const TIMESTAMP = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:00$/

export function readWrittenLog(file: string): WrittenLog {
  const lines = readFileSync(file, 'utf8').split('\n')
  if (lines.pop() !== '') throw new Error(`${file} does not end with a newline`)
  const header = lines.shift() ?? ''
  const names = header.split(',')
  const column = (name: string) => {
    const i = names.indexOf(name)
    if (i < 0) throw new Error(`no column ${name} in ${header}`)
    return i
  }
  const [date, quantity] = [column('InvoiceDate'), column('Quantity')]
  const isWellFormed = (f: string[]) =>
    f.length === names.length &&
    TIMESTAMP.test(f[date] as string) &&
    /^-?\d+$/.test(f[quantity] as string)
  return { header, column, lines, rows: lines.map(parseCsvLine), isWellFormed }
}

export interface SpendFacts {
  /** Net spend (quantity x price, returns negative) per calendar year from `firstYear`. */
  byYear: number[]
  /** Share of the net spend in October-December. */
  q4Share: number
  /** Day of each identified customer's first row, counted from `start`. */
  firstDay: Map<string, number>
}

const DAY_MS = 86_400_000

/** What the regimes promise, from the well-formed rows of a log that starts on `start`. */
export function spendFacts(log: WrittenLog, start: string): SpendFacts {
  const [date, quantity, price, customer] = ['InvoiceDate', 'Quantity', 'Price', 'Customer ID'].map(
    log.column
  ) as [number, number, number, number]
  const startMs = Date.parse(`${start}T00:00:00Z`)
  const firstYear = Number(start.slice(0, 4))
  const byYear: number[] = []
  let q4 = 0
  let total = 0
  const firstDay = new Map<string, number>()
  for (const f of log.rows) {
    if (!log.isWellFormed(f)) continue
    const time = f[date] as string
    const spend = Number(f[quantity]) * Number(f[price])
    const year = Number(time.slice(0, 4)) - firstYear
    byYear[year] = (byYear[year] ?? 0) + spend
    total += spend
    if (Number(time.slice(5, 7)) >= 10) q4 += spend
    const id = f[customer] as string
    if (id !== '' && !firstDay.has(id)) {
      firstDay.set(
        id,
        Math.floor((Date.parse(`${time.slice(0, 10)}T00:00:00Z`) - startMs) / DAY_MS)
      )
    }
  }
  return { byYear, q4Share: q4 / total, firstDay }
}
