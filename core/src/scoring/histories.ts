// Many customers' transactions as one History in columns (each customer's rows [start, end) of shared
// arrays), as the trainer lays out its log, instead of historyFromTransactions() per customer: one set
// of arrays and dictionaries per batch rather than per customer. computeFeatures reads the same
// values either way: rows in stable time order, and order, product and country keys that are equal
// exactly when the ids are (undefined and "" meaning none). Each value is checked on the way in.

import type { History } from '../features/history.ts'
import { transactionProblem, type HistoryTransaction } from '../transaction-wire.ts'
import { ScoringInputError } from './errors.ts'
import { StringKeys } from './string-keys.ts'

export type { HistoryTransaction }

export interface HistoryBatch {
  /** The columns; customer c's rows are [offsets[c], offsets[c + 1]). */
  readonly columns: Omit<History, 'start' | 'end'>
  readonly offsets: Int32Array
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
  const orders = new StringKeys()
  const products = new StringKeys()
  const countries = new StringKeys()
  let row = 0
  for (let c = 0; c < lists.length; c++) {
    const list = lists[c]!
    offsets[c] = row
    let sorted = true
    for (let k = 0; k < list.length; k++) {
      const t = list[k] as HistoryTransaction
      const wrong = transactionProblem(t)
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
