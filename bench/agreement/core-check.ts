// Core as the arbiter: core's computeFeatures and labelMinor, the single implementation of the
// spec, run over one side's transactions.arrow; compared with that side's features, it shows which
// side is wrong when fcv and pandas disagree.

import {
  computeFeatures,
  labelMinor,
  type BtydParams,
  type Cutoff,
  type FeatureSpec,
  type History,
  type Split,
} from '@fcv/core'
import { groupByCustomer } from '../../trainer/src/features/customer-order.ts'
import { hasColumn, numbers, readArrow, strings } from './arrow-columns.ts'
import type { FeatureRows } from './feature-rows.ts'
import { numericNames, SPLITS } from './spec.ts'

/**
 * Runs core's computeFeatures and labelMinor over a transactions.arrow file at every cutoff, with
 * each customer's lines in time order and, within a timestamp, in log order (the file's row order).
 */
export function coreFeatureRows(
  txFile: string,
  cutoffs: readonly Cutoff[],
  spec: FeatureSpec,
  /** The btyd_value fit at each cutoff (fcv's features report has them). */
  btyd: readonly BtydParams[]
): Map<Split, FeatureRows> {
  const t = readArrow(txFile)
  const n = t.numRows
  const cust = strings(t, 'customer_id')
  const ts = numbers(t, 'timestamp')
  const amt = numbers(t, 'amount_minor')
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

  // The trainer's own grouping (stable by log order, then time within each customer), so this
  // check runs core over pandas' rows exactly as the feature stage runs it over fcv's.
  const groups = groupByCustomer({
    length: n,
    customer: customers.out,
    customerIds: customers.names,
    timestamp: Float64Array.from(ts),
    amountMinor: Float64Array.from(amt),
    order: orders.out,
    product: products.out,
    country: countries.out,
    countries: countries.names,
  })
  const nc = customers.names.length

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
      ...groups.history,
      start: groups.offsets[c] as number,
      end: groups.offsets[c + 1] as number,
    }
    for (const [at, { t0, split }] of cutoffs.entries()) {
      const v = computeFeatures(h, t0, spec, btyd[at]!)
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
