import type { History, HistoryTransaction } from '@fcv/core'
import type { InterimColumns, InterimIds } from '../interim/index.ts'

/** The columns the feature stage needs, one entry per transaction, in any order. */
export type TransactionColumns = Readonly<Omit<InterimColumns, 'currency' | 'currencyExponent'>>

/** Transactions regrouped so each customer's rows are contiguous and in time order. */
export interface CustomerGroups {
  readonly customerIds: readonly string[]
  /** Rows of customer c are [offsets[c], offsets[c + 1]). */
  readonly offsets: Int32Array
  readonly history: Omit<History, 'start' | 'end'>
}

/**
 * Counting sort by customer (stable, so the log's line order survives), then a time sort inside any
 * customer whose rows are not already in time order. Logs are nearly always time-ordered, so this is
 * linear in practice.
 */
export function groupByCustomer(cols: TransactionColumns): CustomerGroups {
  const n = cols.length
  const customers = cols.customerIds.length
  const offsets = new Int32Array(customers + 1)
  for (let i = 0; i < n; i++) offsets[(cols.customer[i] as number) + 1]!++
  for (let c = 0; c < customers; c++) offsets[c + 1]! += offsets[c] as number
  const cursor = offsets.slice(0, customers)
  const perm = new Int32Array(n)
  for (let i = 0; i < n; i++) perm[cursor[cols.customer[i] as number]!++] = i

  const ts = cols.timestamp
  for (let c = 0; c < customers; c++) {
    const from = offsets[c] as number
    const to = offsets[c + 1] as number
    let sorted = true
    for (let j = from + 1; j < to && sorted; j++) {
      sorted = (ts[perm[j - 1] as number] as number) <= (ts[perm[j] as number] as number)
    }
    if (!sorted) {
      const seg = Array.from(perm.subarray(from, to))
      seg.sort((a, b) => (ts[a] as number) - (ts[b] as number) || a - b)
      perm.set(seg, from)
    }
  }

  const gather = <A extends Float64Array | Int32Array>(src: A, dst: A): A => {
    for (let j = 0; j < n; j++) dst[j] = src[perm[j] as number] as number
    return dst
  }
  return {
    customerIds: cols.customerIds,
    offsets,
    history: {
      timestamp: gather(cols.timestamp, new Float64Array(n)),
      amountMinor: gather(cols.amountMinor, new Float64Array(n)),
      order: gather(cols.order, new Int32Array(n)),
      product: gather(cols.product, new Int32Array(n)),
      country: gather(cols.country, new Int32Array(n)),
      countries: cols.countries,
    },
  }
}

/**
 * Customer c's rows strictly before asOf in the wire form of POST /v1/predict and the widget (core's
 * HistoryTransaction), in time order (the log's order on ties): what `fcv export-histories` writes
 * and `fcv score` scores, so both give core's scorer what a request or a page would.
 */
export function wireHistory(
  groups: CustomerGroups,
  ids: InterimIds,
  c: number,
  asOf: number
): HistoryTransaction[] {
  const { offsets, history: h } = groups
  const list: HistoryTransaction[] = []
  for (let i = offsets[c] as number; i < (offsets[c + 1] as number); i++) {
    const timestamp = h.timestamp[i] as number
    if (timestamp >= asOf) break // time order: the rest are later
    const [o, p, y] = [h.order[i] as number, h.product[i] as number, h.country[i] as number]
    list.push({
      timestamp,
      amountMinor: h.amountMinor[i] as number,
      ...(o < 0 ? {} : { orderId: ids.orderIds[o] }),
      ...(p < 0 ? {} : { productId: ids.productIds[p] }),
      ...(y < 0 ? {} : { country: h.countries[y] }),
    })
  }
  return list
}
