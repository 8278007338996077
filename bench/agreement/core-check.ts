// Core as the arbiter: core's computeFeatures and labelMinor, the single implementation of the
// spec, run over one side's transactions.arrow; compared with that side's features, it shows which
// side is wrong when fcv and pandas disagree.

import {
  computeFeatures,
  labelMinor,
  type Cutoff,
  type FeatureSpec,
  type History,
  type Split,
} from '@fcv/core'
import { hasColumn, numbers, readArrow, strings } from './arrow-columns.ts'
import type { FeatureRows } from './feature-rows.ts'
import { numericNames, SPLITS } from './spec.ts'

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
