// Feature rows of one split (fcv's, pandas' or core's) and their comparison: rows joined on
// customer + cutoff, numeric columns within REL_TOL, country and labels equal.

import type { FeatureSpec, Split } from '@fcv/core'
import { bigints, hasColumn, numbers, readArrow, strings } from './arrow-columns.ts'
import { numericNames, schemaIssues } from './spec.ts'
import { emptyDifference, noteOnly, type RowSetDifference } from './row-set.ts'

/** Relative tolerance for numeric columns. */
export const REL_TOL = 1e-9
/**
 * btyd_value's, where the two sides' own fits meet: each fits BG/NBD x Gamma-Gamma with its own
 * optimiser (ours, scipy's BFGS), and they stop a few 1e-6 apart in value along the likelihood's
 * flat (a, b) ridge (2e-6 at most on the real log). Core against fcv (the same fits) is held to REL_TOL.
 */
export const FITTED_REL_TOL = 1e-5

/** One split's rows, column-wise; keys are `customer \u0000 cutoff-ms`. */
export interface FeatureRows {
  keys: string[]
  numeric: Map<string, Float64Array>
  country: (string | null)[]
  labelMinor: (bigint | null)[]
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

export interface Comparison extends RowSetDifference {
  /** Columns in spec order, then label and label_minor: rows that differ. */
  mismatches: Record<string, number>
  examples: Record<string, Example[]>
  totalMismatches: number
}

function sameNumber(a: number, b: number, tol = REL_TOL): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b)
  if (a === b) return true
  return Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b))
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
    ...emptyDifference(),
    mismatches,
    examples: {},
    totalMismatches: 0,
  }
}

function rowName(split: Split, key: string): string {
  const d = describeKey(key)
  return `${split} ${d.customer} @ ${d.cutoff}`
}

/** Joins b onto a by key and counts differing values per column; accumulates into `acc`. */
export function compareRows(
  split: Split,
  a: FeatureRows,
  b: FeatureRows,
  spec: FeatureSpec,
  acc: Comparison,
  /** Per-column relative tolerances that differ from REL_TOL. */
  tolerances?: Readonly<Record<string, number>>,
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
      noteOnly(acc, 'A', rowName(split, key), maxExamples)
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
      if (!sameNumber(va, vb, tolerances?.[name])) note(name, key, va, vb)
    }
    const la = a.labelMinor[i] ?? null
    const lb = b.labelMinor[j] ?? null
    if (la !== lb)
      note('label_minor', key, la === null ? null : String(la), lb === null ? null : String(lb))
  })
  b.keys.forEach((key, j) => {
    if (!seen[j]) noteOnly(acc, 'B', rowName(split, key), maxExamples)
  })
}
