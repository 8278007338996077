// Many customers' transactions as one History in columns (each customer's rows [start, end) of shared
// arrays), as the trainer lays out its log, instead of historyFromTransactions() per customer: one set
// of arrays and dictionaries per batch rather than per customer. computeFeatures reads the same
// values either way: rows in stable time order, and order, product and country keys that are equal
// exactly when the ids are (undefined and "" meaning none). Each value is checked on the way in.

import type { History } from '../features/history.ts'
import type { Transaction } from '../transaction.ts'
import { ScoringInputError } from './errors.ts'

/** A transaction of one customer's history: core's Transaction, its customer id optional. */
export type HistoryTransaction = Omit<Transaction, 'customerId'> & { readonly customerId?: string }

export interface HistoryBatch {
  /** The columns; customer c's rows are [offsets[c], offsets[c + 1]). */
  readonly columns: Omit<History, 'start' | 'end'>
  readonly offsets: Int32Array
}

class Keys {
  private readonly map = new Map<string, number>()
  private last: string | undefined
  private lastKey = -1
  readonly values: string[] = []

  /** A dense key per distinct non-empty string; -1 for undefined or "". */
  key(value: string | undefined): number {
    if (value === undefined || value === '') return -1
    if (value === this.last) return this.lastKey // lines of one order, one country, come in runs
    let k = this.map.get(value)
    if (k === undefined) {
      k = this.values.length
      this.map.set(value, k)
      this.values.push(value)
    }
    this.last = value
    this.lastKey = k
    return k
  }
}

const isOptionalString = (v: unknown): boolean => v === undefined || typeof v === 'string'
const isOptionalFinite = (v: unknown): boolean =>
  v === undefined || (typeof v === 'number' && Number.isFinite(v))

/**
 * What is wrong with one transaction, as [field, message], or undefined. Called for every row, so it
 * reads named properties and builds no strings unless something is wrong.
 */
function problem(t: HistoryTransaction): [string, string] | undefined {
  if (typeof t !== 'object' || t === null) return ['', 'must be an object']
  if (typeof t.timestamp !== 'number' || !Number.isFinite(t.timestamp)) {
    return ['.timestamp', 'must be finite epoch milliseconds (UTC)']
  }
  if (!Number.isSafeInteger(t.amountMinor)) {
    return [
      '.amountMinor',
      `${String(t.amountMinor)} is not an integer amount in minor currency units`,
    ]
  }
  if (!isOptionalString(t.orderId)) return ['.orderId', 'must be a string when given']
  if (!isOptionalString(t.productId)) return ['.productId', 'must be a string when given']
  if (!isOptionalString(t.country)) return ['.country', 'must be a string when given']
  if (!isOptionalFinite(t.quantity)) return ['.quantity', 'must be a finite number when given']
  if (!isOptionalFinite(t.unitPrice)) return ['.unitPrice', 'must be a finite number when given']
  return undefined
}

/**
 * The histories of `lists` (one list per customer, any order), checked; `field(c)` names list c in
 * errors, e.g. "items[3].transactions".
 */
export function historyBatch(
  lists: readonly (readonly HistoryTransaction[])[],
  field: (c: number) => string
): HistoryBatch {
  let n = 0
  for (let c = 0; c < lists.length; c++) {
    const list = lists[c]
    if (!Array.isArray(list)) throw new ScoringInputError(field(c), 'must be an array')
    n += list.length
  }
  const offsets = new Int32Array(lists.length + 1)
  const timestamp = new Float64Array(n)
  const amountMinor = new Float64Array(n)
  const order = new Int32Array(n)
  const product = new Int32Array(n)
  const country = new Int32Array(n)
  const orders = new Keys()
  const products = new Keys()
  const countries = new Keys()
  let row = 0
  for (let c = 0; c < lists.length; c++) {
    const list = lists[c]!
    offsets[c] = row
    let sorted = true
    for (let k = 0; k < list.length; k++) {
      const t = list[k] as HistoryTransaction
      const wrong = problem(t)
      if (wrong) throw new ScoringInputError(`${field(c)}[${k}]${wrong[0]}`, wrong[1])
      const ts = t.timestamp
      if (k > 0 && ts < (timestamp[row - 1] as number)) sorted = false
      timestamp[row] = ts
      amountMinor[row] = t.amountMinor
      order[row] = orders.key(t.orderId)
      product[row] = products.key(t.productId)
      country[row] = countries.key(t.country)
      row++
    }
    // Rare: a stable sort by time of this customer's rows (historyFromTransactions' order).
    if (!sorted)
      sortRows(offsets[c] as number, row, [timestamp, amountMinor, order, product, country])
  }
  offsets[lists.length] = row
  return {
    columns: { timestamp, amountMinor, order, product, country, countries: countries.values },
    offsets,
  }
}

function sortRows(from: number, to: number, columns: (Float64Array | Int32Array)[]): void {
  const ts = columns[0]!
  const perm = Array.from({ length: to - from }, (_, i) => from + i)
  perm.sort((a, b) => (ts[a] as number) - (ts[b] as number) || a - b)
  for (const col of columns) {
    const copy = col.slice(from, to)
    perm.forEach((src, i) => {
      col[from + i] = copy[src - from] as number
    })
  }
}
