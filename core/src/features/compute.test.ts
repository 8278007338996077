import { btydValue } from '../btyd/predict.ts'
import { rfmSummary } from '../btyd/rfm.ts'
import { EXAMPLE_BTYD_PARAMS } from '../btyd/example-params.ts'
import { describe, expect, it } from 'vitest'
import { DAY_MS } from '../time.ts'
import type { Transaction } from '../transaction.ts'
import { computeFeatures } from './compute.ts'
import { historyFromTransactions } from './history.ts'
import { labelMinor } from './label.ts'
import { defineFeatureSpec } from './definitions.ts'

const spec = defineFeatureSpec({
  horizonDays: 90,
  capDays: 730,
  currencyExponent: 2,
  countryTopK: 10,
})
const t0 = Date.UTC(2011, 5, 12)
const daysBefore = (d: number, hour = 12) => t0 - d * DAY_MS + hour * 3_600_000
const tx = (
  days: number,
  amountMinor: number,
  orderId: string,
  productId = 'P1',
  country = 'United Kingdom'
): Transaction => ({
  customerId: 'c1',
  timestamp: daysBefore(days),
  amountMinor,
  orderId,
  productId,
  country,
})

function named(vector: (number | string)[] | undefined): Record<string, number | string> {
  if (!vector) throw new Error('customer not in population')
  return Object.fromEntries(spec.features.map((f, i) => [f.name, vector[i]!]))
}

describe('computeFeatures', () => {
  const history = historyFromTransactions([
    tx(400, 5000, 'O1', 'A', 'France'), // a year+ ago, outside every window but total
    tx(300, 1000, 'O2', 'A'),
    tx(100, 2000, 'O3', 'B'),
    tx(100, 500, 'O3', 'C'), // same order, same day
    tx(20, 3000, 'O4', 'B'),
    tx(10, -3000, 'C5', 'B'), // a cancellation order nets to a return
    tx(-1, 99999, 'O6', 'Z', 'Germany'), // after t0: must be invisible
  ])
  const f = named(computeFeatures(history, t0, spec, EXAMPLE_BTYD_PARAMS))

  it('sums net spend in half-open windows, in major units', () => {
    expect(f['spend_30d']).toBe(0) // 30 - 30 = 0: a fully returned order nets to exactly zero
    expect(f['spend_90d']).toBe(0)
    expect(f['spend_180d']).toBe(25)
    expect(f['spend_365d']).toBe(35)
    expect(f['spend_total']).toBe(85)
  })
  it('scores btyd_value with the given fit on the repeat-purchase summary', () => {
    const summary = rfmSummary(history, t0)!
    expect(summary.x).toBe(3)
    expect(f['btyd_value']).toBeGreaterThan(0)
    expect(f['btyd_value']).toBe(btydValue(EXAMPLE_BTYD_PARAMS, summary, 90) / 100)
    const other = { ...EXAMPLE_BTYD_PARAMS, gammaGamma: { p: 6.2488, q: 3.7446, v: 3089.54 } }
    const g = named(computeFeatures(history, t0, spec, other))
    expect(g['btyd_value']).toBeGreaterThan(f['btyd_value'] as number)
  })
  it('counts purchase days and positive orders', () => {
    expect(f['purchase_days_30d']).toBe(1)
    expect(f['purchase_days_total']).toBe(4)
    expect(f['orders_30d']).toBe(1)
    expect(f['orders_total']).toBe(4)
    expect(f['returns_count']).toBe(1)
  })
  it('derives recency, tenure, gaps and order values', () => {
    expect(f['recency_days']).toBeCloseTo(19.5, 10)
    expect(f['tenure_days']).toBeCloseTo(399.5, 10)
    expect(f['mean_gap_days']).toBe(380 / 3)
    expect(f['mean_order_value']).toBe((50 + 10 + 25 + 30) / 4)
    expect(f['max_order_value']).toBe(50)
    expect(f['first_order_value']).toBe(50)
    expect(f['returned_value_ratio']).toBe(30 / 115)
    expect(f['distinct_products']).toBe(3)
    expect(f['one_time_buyer']).toBe(0)
    expect(f['country']).toBe('United Kingdom')
  })
  it('labels net spend in [t0, t0 + 90d), floored at zero', () => {
    expect(labelMinor(history, t0, 90)).toBe(99999)
    const onlyReturns = historyFromTransactions([tx(5, 100, 'A'), tx(-2, -500, 'CX')])
    expect(labelMinor(onlyReturns, t0, 90)).toBe(0)
  })
  it('leaves out customers with no purchase before t0', () => {
    expect(
      computeFeatures(historyFromTransactions([tx(-3, 100, 'A')]), t0, spec, EXAMPLE_BTYD_PARAMS)
    ).toBeUndefined()
    expect(
      computeFeatures(historyFromTransactions([tx(3, -100, 'CA')]), t0, spec, EXAMPLE_BTYD_PARAMS)
    ).toBeUndefined()
  })
  it('groups lines by timestamp when the log has no order ids', () => {
    const noIds = historyFromTransactions([
      { customerId: 'c', timestamp: daysBefore(5), amountMinor: 100 },
      { customerId: 'c', timestamp: daysBefore(5), amountMinor: 200 },
      { customerId: 'c', timestamp: daysBefore(5, 15), amountMinor: 50 },
    ])
    const g = named(computeFeatures(noIds, t0, spec, EXAMPLE_BTYD_PARAMS))
    expect(g['orders_total']).toBe(2)
    expect(g['max_order_value']).toBe(3)
    expect(g['one_time_buyer']).toBe(1)
    expect(g['mean_gap_days']).toBe(730)
    expect(g['distinct_products']).toBe(0)
    expect(g['country']).toBe('')
  })
  it('matches the spec length and kinds', () => {
    const v = computeFeatures(history, t0, spec, EXAMPLE_BTYD_PARAMS)!
    expect(v).toHaveLength(spec.features.length)
    spec.features.forEach((def, i) =>
      expect(typeof v[i]).toBe(def.kind === 'categorical' ? 'string' : 'number')
    )
  })
})
