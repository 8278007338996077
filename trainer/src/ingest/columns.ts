// Maps the params' `data.columns` onto field positions, from the header row or from 0-based positions
// when the file has none. A mapping that does not fit the file is the most common first-run mistake, so
// the error names the params key, lists what the header does hold, and spots a wrong delimiter.

import type { DataParams } from '../params/schema.ts'
import { IngestError } from './errors.ts'

export const COLUMN_KEYS = [
  'customer_id',
  'timestamp',
  'amount',
  'quantity',
  'unit_price',
  'order_id',
  'product_id',
  'country',
] as const

export type ColumnKey = (typeof COLUMN_KEYS)[number]

export interface ColumnLayout {
  /** Fields every data row must have. */
  readonly fieldCount: number
  /** Field position of each mapped column, -1 when it is not mapped. */
  readonly index: Readonly<Record<ColumnKey, number>>
  /** Name of each field position for quarantine and errors: the header text, or the position. */
  readonly names: readonly string[]
}

/** How a field is named in messages: `column "Customer ID"`, or `column 6` without a header. */
export function describeColumn(layout: ColumnLayout, header: boolean, position: number): string {
  const name = layout.names[position] ?? String(position)
  return header ? `column "${name}"` : `column ${name}`
}

const OTHER_DELIMITERS: readonly string[] = [',', ';', '|', '\t']

function delimiterHint(fields: readonly string[], data: DataParams): string {
  if (data.format !== 'csv' || fields.length !== 1) return ''
  const only = fields[0] ?? ''
  const found = OTHER_DELIMITERS.find((d) => d !== data.delimiter && only.includes(d))
  if (found === undefined) return ''
  const shown = found === '\t' ? '"\\t"' : `"${found}"`
  return `; the header is a single field containing ${shown}: is the delimiter ${shown}? (set data.delimiter)`
}

/** The header for an error message, cut short when it is long (or binary). */
function listHeader(names: readonly string[]): string {
  const shown = names
    .slice(0, 30)
    .map((n) => JSON.stringify(n.length > 40 ? `${n.slice(0, 40)}...` : n))
    .join(', ')
  return names.length > 30 ? `${shown}, ... (${names.length} fields)` : shown
}

/** `first` is the header row when data.header is true, else the first data row. */
export function resolveColumns(
  data: DataParams,
  first: readonly string[],
  file: string
): ColumnLayout {
  const names = data.header
    ? first.map((f) => f.replace(/^\uFEFF/, '').trim())
    : first.map((_, i) => String(i))
  const index = {} as Record<ColumnKey, number>
  for (const key of COLUMN_KEYS) {
    const ref = data.columns[key]
    if (ref === null) {
      index[key] = -1
    } else if (typeof ref === 'number') {
      if (ref >= names.length) {
        const what = data.header ? 'the header' : `the first row`
        throw new IngestError(
          `data.columns.${key}: column ${ref} is out of range; ${what} of ${file} has ` +
            `${names.length} field${names.length === 1 ? '' : 's'} (positions count from 0)` +
            delimiterHint(first, data)
        )
      }
      index[key] = ref
    } else {
      const at = names.indexOf(ref.trim())
      if (at === -1) {
        const listed = listHeader(names)
        throw new IngestError(
          `data.columns.${key}: column "${ref}" is not in the header of ${file}; ` +
            `the header has: ${listed}${delimiterHint(first, data)}`
        )
      }
      index[key] = at
    }
  }
  return { fieldCount: names.length, index, names }
}
