// The ingest side of the agreement check: the cleaned lines of both transactions.arrow files (by
// named columns, so extra columns are ignored) and the per-rule drop counts of both cleaners.

import type { Table } from 'apache-arrow'
import { bigints, hasColumn, numbers, readArrow, strings } from './arrow-columns.ts'
import { emptyDifference, noteOnly, type RowSetDifference } from './row-set.ts'

/** Row differences are cleaned lines (customer|time ms|amount|order|product|country). */
export interface IngestComparison extends RowSetDifference {
  customersA: number
  customersB: number
  /** Customers whose line count or net amount differ. */
  customersDiffering: number
  customerExamples: string[]
  amountSumA: string
  amountSumB: string
  /** Full line-by-line comparison (false above FULL_COMPARE_ROWS, then only per-customer sums). */
  full: boolean
}

const FULL_COMPARE_ROWS = 3_000_000

function lineKeys(t: Table): string[] {
  const cust = strings(t, 'customer_id')
  const ts = numbers(t, 'timestamp')
  const amt = bigints(t, 'amount_minor')
  const order = hasColumn(t, 'order_id') ? strings(t, 'order_id') : []
  const product = hasColumn(t, 'product_id') ? strings(t, 'product_id') : []
  const country = hasColumn(t, 'country') ? strings(t, 'country') : []
  return cust.map(
    (c, i) => `${c}|${ts[i]}|${amt[i]}|${order[i] ?? ''}|${product[i] ?? ''}|${country[i] ?? ''}`
  )
}

function perCustomer(t: Table): Map<string, [number, bigint]> {
  const cust = strings(t, 'customer_id')
  const amt = bigints(t, 'amount_minor')
  const m = new Map<string, [number, bigint]>()
  cust.forEach((c, i) => {
    const e = m.get(c ?? '') ?? [0, 0n]
    e[0]++
    e[1] += amt[i] ?? 0n
    m.set(c ?? '', e)
  })
  return m
}

/** fcv's ingest-report.json reasons next to pandas_reference.py's clean report. */
export function cleaningCounts(
  fcvReport: {
    rows_read?: number
    rows_kept?: number
    invalid_rows?: number
    by_reason?: Record<string, number>
  } | null,
  pandasReport: Record<string, number> | null
): { rule: string; fcv: number | null; pandas: number | null }[] {
  const r = fcvReport?.by_reason ?? {}
  const p = pandasReport ?? {}
  const pick = (v: number | undefined) => (v === undefined ? null : v)
  return [
    { rule: 'rows read', fcv: pick(fcvReport?.rows_read), pandas: pick(p['rows_read']) },
    {
      rule: 'unreadable (invalid)',
      fcv: pick(fcvReport?.invalid_rows),
      pandas: pick(p['dropped_invalid']),
    },
    {
      rule: 'missing customer id',
      fcv: pick(r['missing_customer_id']),
      pandas: pick(p['dropped_missing_customer']),
    },
    { rule: 'duplicate', fcv: pick(r['duplicate']), pandas: pick(p['dropped_duplicate']) },
    {
      rule: 'excluded product',
      fcv: pick(r['excluded_product']),
      pandas: pick(p['dropped_excluded_product']),
    },
    {
      rule: 'non-positive price',
      fcv: pick(r['non_positive_price']),
      pandas: pick(p['dropped_nonpositive_price']),
    },
    { rule: 'zero amount', fcv: pick(r['zero_amount']), pandas: pick(p['dropped_zero_amount']) },
    { rule: 'rows kept', fcv: pick(fcvReport?.rows_kept), pandas: pick(p['rows_kept']) },
  ]
}

export function compareTransactions(
  fileA: string,
  fileB: string,
  maxExamples = 5
): IngestComparison {
  const a = readArrow(fileA)
  const b = readArrow(fileB)
  const full = Math.max(a.numRows, b.numRows) <= FULL_COMPARE_ROWS
  const diff = { ...emptyDifference(), rowsA: a.numRows, rowsB: b.numRows }
  if (full) {
    const counts = new Map<string, number>()
    for (const k of lineKeys(b)) counts.set(k, (counts.get(k) ?? 0) + 1)
    for (const k of lineKeys(a)) {
      const n = counts.get(k) ?? 0
      if (n > 0) counts.set(k, n - 1)
      else noteOnly(diff, 'A', k, maxExamples)
    }
    for (const [k, n] of counts) {
      if (n > 0) noteOnly(diff, 'B', n > 1 ? `${k} (x${n})` : k, maxExamples, n)
    }
  }
  const ca = perCustomer(a)
  const cb = perCustomer(b)
  let customersDiffering = 0
  const customerExamples: string[] = []
  let sumA = 0n
  let sumB = 0n
  for (const [, [, s]] of ca) sumA += s
  for (const [, [, s]] of cb) sumB += s
  for (const c of new Set([...ca.keys(), ...cb.keys()])) {
    const x = ca.get(c) ?? [0, 0n]
    const y = cb.get(c) ?? [0, 0n]
    if (x[0] !== y[0] || x[1] !== y[1]) {
      customersDiffering++
      if (customerExamples.length < maxExamples) {
        customerExamples.push(
          `${c}: fcv ${x[0]} lines, ${x[1]} minor; pandas ${y[0]} lines, ${y[1]} minor`
        )
      }
    }
  }
  return {
    ...diff,
    customersA: ca.size,
    customersB: cb.size,
    customersDiffering,
    customerExamples,
    amountSumA: String(sumA),
    amountSumB: String(sumB),
    full,
  }
}
