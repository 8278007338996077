import type { Transaction } from '../transaction-wire.ts'

/**
 * One customer's transactions in columns, sorted by timestamp ascending, over rows [start, end).
 * The trainer points many histories into one set of large arrays; the edge and the widget build one
 * from a request with historyFromTransactions(). computeFeatures() reads only this shape, which is
 * what makes the three runtimes compute identical vectors.
 */
export interface History {
  readonly start: number
  readonly end: number
  /** UTC epoch ms, ascending. */
  readonly timestamp: ArrayLike<number>
  /** Integer minor units; negative for returns. */
  readonly amountMinor: ArrayLike<number>
  /** Order key: rows of one order share it; -1 when the log has no order id (then rows group by timestamp). */
  readonly order: ArrayLike<number>
  /** Product key: a dense index (0, 1, 2, ...) into some dictionary of product ids; -1 when unknown. */
  readonly product: ArrayLike<number>
  /** Index into `countries`, -1 when unknown. */
  readonly country: ArrayLike<number>
  readonly countries: readonly string[]
}

function keyOf(map: Map<string, number>, value: string | undefined): number {
  if (value === undefined || value === '') return -1
  let k = map.get(value)
  if (k === undefined) {
    k = map.size
    map.set(value, k)
  }
  return k
}

/** Builds a History from one customer's transactions, in any order. */
export function historyFromTransactions(transactions: readonly Transaction[]): History {
  // Stable sort by time keeps the log's line order within a timestamp, as the trainer's sort does.
  const rows = transactions
    .map((t, i) => ({ t, i }))
    .sort((a, b) => a.t.timestamp - b.t.timestamp || a.i - b.i)
  const n = rows.length
  const timestamp = new Float64Array(n)
  const amountMinor = new Float64Array(n)
  const order = new Int32Array(n)
  const product = new Int32Array(n)
  const country = new Int32Array(n)
  const orders = new Map<string, number>()
  const products = new Map<string, number>()
  const countries = new Map<string, number>()
  rows.forEach(({ t }, i) => {
    timestamp[i] = t.timestamp
    amountMinor[i] = t.amountMinor
    order[i] = keyOf(orders, t.orderId)
    product[i] = keyOf(products, t.productId)
    country[i] = keyOf(countries, t.country)
  })
  return {
    start: 0,
    end: n,
    timestamp,
    amountMinor,
    order,
    product,
    country,
    countries: [...countries.keys()],
  }
}

/** First row index in [start, end) whose timestamp is >= t (rows are sorted by time). */
export function lowerBound(h: History, t: number): number {
  let lo = h.start
  let hi = h.end
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((h.timestamp[mid] as number) < t) lo = mid + 1
    else hi = mid
  }
  return lo
}
