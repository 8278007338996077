// Agreement checks between fcv and the pandas reference:
//   ingest    fcv's transactions.arrow vs pandas' (same cleaned lines?)
//   features  fcv's train/valid/test vs pandas' (same rows, same values?), joined on customer+cutoff
//   core      core/computeFeatures + labelMinor run here on each side's transactions vs that side's
//             features: the single implementation of the spec as an arbiter when the two disagree.

import {
  computeFeatures,
  featureSpecV1,
  labelMinor,
  type Cutoff,
  type FeatureSpec,
  type History,
  type Split,
} from '@fcv/core'
import type { Table } from 'apache-arrow'
import { bigints, hasColumn, numbers, readArrow, strings } from './common.ts'

export const SPLITS: readonly Split[] = ['train', 'valid', 'test']
/** Relative tolerance for numeric columns. */
export const REL_TOL = 1e-9

export function specFor(o: {
  horizonDays: number
  capDays: number
  currencyExponent: number
}): FeatureSpec {
  return featureSpecV1({ ...o, countryTopK: 12 })
}

/** Expected columns of a split file, in order, with their Arrow types as apache-arrow prints them. */
export function expectedColumns(spec: FeatureSpec): [string, string][] {
  return [
    ['customer_id', 'Utf8'],
    ['cutoff', 'Timestamp<MILLISECOND, UTC>'],
    ...spec.features.map((f): [string, string] => [
      f.name,
      f.kind === 'numeric' ? 'Float64' : 'Utf8',
    ]),
    ['label', 'Float64'],
    ['label_minor', 'Int64'],
  ]
}

/** Differences between a split file's schema and the contract (names, order, types). */
export function schemaIssues(t: Table, spec: FeatureSpec): string[] {
  const expected = expectedColumns(spec)
  const got = t.schema.fields.map((f) => [f.name, String(f.type)] as const)
  const issues: string[] = []
  const names = got.map(([n]) => n).join(',')
  if (names !== expected.map(([n]) => n).join(',')) issues.push(`columns are [${names}]`)
  for (const [name, type] of expected) {
    const f = got.find(([n]) => n === name)
    if (!f) issues.push(`missing ${name}`)
    else if (f[1] !== type && !(type === 'Utf8' && f[1] === 'LargeUtf8')) {
      issues.push(`${name} is ${f[1]}, expected ${type}`)
    }
  }
  return issues
}

// ---------------------------------------------------------------------------------- feature rows

/** One split's rows, column-wise; keys are `customer \u0000 cutoff-ms`. */
export interface FeatureRows {
  keys: string[]
  numeric: Map<string, Float64Array>
  country: (string | null)[]
  labelMinor: (bigint | null)[]
}

function numericNames(spec: FeatureSpec): string[] {
  return [...spec.features.filter((f) => f.kind === 'numeric').map((f) => f.name), 'label']
}

export function rowsFromArrow(
  file: string,
  spec: FeatureSpec
): { rows: FeatureRows; schema: string[] } {
  const t = readArrow(file)
  const customer = strings(t, 'customer_id')
  const cutoff = numbers(t, 'cutoff')
  const numeric = new Map<string, Float64Array>()
  for (const n of numericNames(spec)) {
    numeric.set(n, hasColumn(t, n) ? numbers(t, n) : new Float64Array(t.numRows).fill(Number.NaN))
  }
  return {
    rows: {
      keys: customer.map((c, i) => `${c}\u0000${cutoff[i]}`),
      numeric,
      country: hasColumn(t, 'country')
        ? strings(t, 'country')
        : new Array<null>(t.numRows).fill(null),
      labelMinor: hasColumn(t, 'label_minor')
        ? bigints(t, 'label_minor')
        : new Array<null>(t.numRows).fill(null),
    },
    schema: schemaIssues(t, spec),
  }
}

export interface Example {
  split: Split
  customer: string
  cutoff: string
  a: unknown
  b: unknown
}

export interface Comparison {
  rowsA: number
  rowsB: number
  onlyA: number
  onlyB: number
  onlyAExamples: string[]
  onlyBExamples: string[]
  /** Columns in spec order, then label and label_minor: rows that differ. */
  mismatches: Record<string, number>
  examples: Record<string, Example[]>
  totalMismatches: number
}

function sameNumber(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b)
  if (a === b) return true
  return Math.abs(a - b) <= REL_TOL * Math.max(Math.abs(a), Math.abs(b))
}

function describeKey(key: string): { customer: string; cutoff: string } {
  const [customer = '', ms = 'NaN'] = key.split('\u0000')
  const t = Number(ms)
  return { customer, cutoff: Number.isFinite(t) ? new Date(t).toISOString().slice(0, 10) : ms }
}

export function emptyComparison(spec: FeatureSpec): Comparison {
  const mismatches: Record<string, number> = {}
  for (const f of spec.features) mismatches[f.name] = 0
  mismatches['label'] = 0
  mismatches['label_minor'] = 0
  return {
    rowsA: 0,
    rowsB: 0,
    onlyA: 0,
    onlyB: 0,
    onlyAExamples: [],
    onlyBExamples: [],
    mismatches,
    examples: {},
    totalMismatches: 0,
  }
}

/** Joins b onto a by key and counts differing values per column; accumulates into `acc`. */
export function compareRows(
  split: Split,
  a: FeatureRows,
  b: FeatureRows,
  spec: FeatureSpec,
  acc: Comparison,
  maxExamples = 5
): void {
  const index = new Map<string, number>()
  b.keys.forEach((k, i) => index.set(k, i))
  acc.rowsA += a.keys.length
  acc.rowsB += b.keys.length
  const seen = new Uint8Array(b.keys.length)
  const note = (col: string, key: string, va: unknown, vb: unknown) => {
    acc.mismatches[col] = (acc.mismatches[col] ?? 0) + 1
    acc.totalMismatches++
    const list = (acc.examples[col] ??= [])
    if (list.length < maxExamples) list.push({ split, ...describeKey(key), a: va, b: vb })
  }
  const names = [...spec.features.map((f) => f.name), 'label']
  a.keys.forEach((key, i) => {
    const j = index.get(key)
    if (j === undefined) {
      acc.onlyA++
      if (acc.onlyAExamples.length < maxExamples) {
        const d = describeKey(key)
        acc.onlyAExamples.push(`${split} ${d.customer} @ ${d.cutoff}`)
      }
      return
    }
    seen[j] = 1
    for (const name of names) {
      if (name === 'country') {
        const va = a.country[i] ?? ''
        const vb = b.country[j] ?? ''
        if (va !== vb) note(name, key, va, vb)
        continue
      }
      const va = a.numeric.get(name)?.[i] ?? Number.NaN
      const vb = b.numeric.get(name)?.[j] ?? Number.NaN
      if (!sameNumber(va, vb)) note(name, key, va, vb)
    }
    const la = a.labelMinor[i] ?? null
    const lb = b.labelMinor[j] ?? null
    if (la !== lb)
      note('label_minor', key, la === null ? null : String(la), lb === null ? null : String(lb))
  })
  b.keys.forEach((key, j) => {
    if (seen[j]) return
    acc.onlyB++
    if (acc.onlyBExamples.length < maxExamples) {
      const d = describeKey(key)
      acc.onlyBExamples.push(`${split} ${d.customer} @ ${d.cutoff}`)
    }
  })
}

// ---------------------------------------------------------------------------------- transactions

export interface IngestComparison {
  rowsA: number
  rowsB: number
  /** Cleaned lines (customer|time ms|amount|order|product|country) in one output and not the other. */
  onlyA: number
  onlyB: number
  onlyAExamples: string[]
  onlyBExamples: string[]
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
  let onlyA = 0
  let onlyB = 0
  const onlyAExamples: string[] = []
  const onlyBExamples: string[] = []
  if (full) {
    const counts = new Map<string, number>()
    for (const k of lineKeys(b)) counts.set(k, (counts.get(k) ?? 0) + 1)
    for (const k of lineKeys(a)) {
      const n = counts.get(k) ?? 0
      if (n > 0) counts.set(k, n - 1)
      else {
        onlyA++
        if (onlyAExamples.length < maxExamples) onlyAExamples.push(k)
      }
    }
    for (const [k, n] of counts) {
      if (n === 0) continue
      onlyB += n
      if (onlyBExamples.length < maxExamples) onlyBExamples.push(n > 1 ? `${k} (x${n})` : k)
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
    rowsA: a.numRows,
    rowsB: b.numRows,
    onlyA,
    onlyB,
    onlyAExamples,
    onlyBExamples,
    customersA: ca.size,
    customersB: cb.size,
    customersDiffering,
    customerExamples,
    amountSumA: String(sumA),
    amountSumB: String(sumB),
    full,
  }
}

// ------------------------------------------------------------------------- core as the arbiter

/**
 * Runs core's computeFeatures and labelMinor over a transactions.arrow file at every cutoff, with
 * each customer's lines in time order and, within a timestamp, in log order (source_line).
 */
export function coreFeatureRows(
  txFile: string,
  cutoffs: readonly Cutoff[],
  spec: FeatureSpec
): Map<Split, FeatureRows> {
  const t = readArrow(txFile)
  const n = t.numRows
  const cust = strings(t, 'customer_id')
  const ts = numbers(t, 'timestamp')
  const amt = numbers(t, 'amount_minor')
  const line = hasColumn(t, 'source_line')
    ? numbers(t, 'source_line')
    : Float64Array.from({ length: n }, (_, i) => i)
  const keyed = (values: (string | null)[]) => {
    const map = new Map<string, number>()
    const out = new Int32Array(values.length)
    values.forEach((v, i) => {
      if (v === null || v === '') {
        out[i] = -1
        return
      }
      let k = map.get(v)
      if (k === undefined) {
        k = map.size
        map.set(v, k)
      }
      out[i] = k
    })
    return { out, names: [...map.keys()] }
  }
  const customers = keyed(cust)
  const orders = keyed(
    hasColumn(t, 'order_id') ? strings(t, 'order_id') : new Array<null>(n).fill(null)
  )
  const products = keyed(
    hasColumn(t, 'product_id') ? strings(t, 'product_id') : new Array<null>(n).fill(null)
  )
  const countries = keyed(
    hasColumn(t, 'country') ? strings(t, 'country') : new Array<null>(n).fill(null)
  )

  // Counting sort by customer, then time and line within each customer.
  const nc = customers.names.length
  const starts = new Uint32Array(nc + 1)
  for (let i = 0; i < n; i++) starts[(customers.out[i] as number) + 1]!++
  for (let c = 0; c < nc; c++) starts[c + 1]! += starts[c] as number
  const fill = starts.slice(0, nc)
  const idx = new Uint32Array(n)
  for (let i = 0; i < n; i++) idx[fill[customers.out[i] as number]!++] = i
  for (let c = 0; c < nc; c++) {
    const part = idx.subarray(starts[c], starts[c + 1])
    part.sort(
      (x, y) => (ts[x] as number) - (ts[y] as number) || (line[x] as number) - (line[y] as number)
    )
  }
  const pick = <T extends Float64Array | Int32Array>(src: ArrayLike<number>, dst: T): T => {
    for (let i = 0; i < n; i++) dst[i] = src[idx[i] as number] as number
    return dst
  }
  const timestamp = pick(ts, new Float64Array(n))
  const amountMinor = pick(amt, new Float64Array(n))
  const order = pick(orders.out, new Int32Array(n))
  const product = pick(products.out, new Int32Array(n))
  const country = pick(countries.out, new Int32Array(n))

  const names = numericNames(spec)
  const countryAt = spec.features.findIndex((f) => f.name === 'country')
  const acc = new Map<
    Split,
    { keys: string[]; cols: number[][]; country: string[]; label: bigint[] }
  >()
  for (const s of SPLITS)
    acc.set(s, { keys: [], cols: names.map(() => []), country: [], label: [] })
  const scale = 10 ** spec.currencyExponent
  for (let c = 0; c < nc; c++) {
    const h: History = {
      start: starts[c] as number,
      end: starts[c + 1] as number,
      timestamp,
      amountMinor,
      order,
      product,
      country,
      countries: countries.names,
    }
    for (const { t0, split } of cutoffs) {
      const v = computeFeatures(h, t0, spec)
      if (!v) continue
      const a = acc.get(split)!
      const label = labelMinor(h, t0, spec.horizonDays)
      a.keys.push(`${customers.names[c]}\u0000${t0}`)
      let k = 0
      v.forEach((x, i) => {
        if (i === countryAt) a.country.push(String(x))
        else a.cols[k++]!.push(x as number)
      })
      a.cols[k]!.push(label / scale)
      a.label.push(BigInt(label))
    }
  }
  const out = new Map<Split, FeatureRows>()
  for (const [s, a] of acc) {
    out.set(s, {
      keys: a.keys,
      numeric: new Map(names.map((nm, i) => [nm, Float64Array.from(a.cols[i]!)])),
      country: a.country,
      labelMinor: a.label,
    })
  }
  return out
}
