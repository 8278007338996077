import { EXAMPLE_BTYD_PARAMS } from './example-params.ts'
import { computeFeatures } from '../features/compute.ts'
import { historyFromTransactions, type History } from '../features/history.ts'
import { defineFeatureSpec } from '../features/definitions.ts'
import { DAY_MS } from '../time.ts'
import type { Transaction } from '../transaction.ts'
import { describe, expect, it } from 'vitest'
import { rfmSummary } from './rfm.ts'

const day0 = Date.UTC(2024, 0, 1)
const at = (day: number, hour = 12): number => day0 + day * DAY_MS + hour * 3_600_000
const tx = (day: number, amountMinor: number, hour = 12): Transaction => ({
  customerId: 'c',
  timestamp: at(day, hour),
  amountMinor,
})
const summarize = (rows: Transaction[], t0: number): ReturnType<typeof rfmSummary> =>
  rfmSummary(historyFromTransactions(rows), t0)

describe('rfmSummary', () => {
  it('one-time buyer: x = 0, t_x = 0, T from the start of the purchase day', () => {
    expect(summarize([tx(0, 500)], at(5, 0))).toEqual({ x: 0, tx: 0, T: 5, monetary: 0 })
    // t0 at noon: T is fractional
    expect(summarize([tx(0, 500, 23)], at(5, 12))?.T).toBe(5.5)
  })

  it('counts a day once however many purchase rows it has, and nets its returns', () => {
    const rows = [tx(0, 1000, 9), tx(0, 500, 15), tx(3, 700, 8), tx(3, 300, 10), tx(3, -200, 18)]
    expect(summarize(rows, at(10, 0))).toEqual({ x: 1, tx: 3, T: 10, monetary: 800 })
  })

  it('ignores return-only days and averages the repeat days only', () => {
    const rows = [tx(0, 9000), tx(2, -4000), tx(4, 100), tx(6, 300)]
    expect(summarize(rows, at(8, 0))).toEqual({ x: 2, tx: 6, T: 8, monetary: 200 })
  })

  it('keeps a repeat day whose returns exceed its purchases, with its negative net', () => {
    const rows = [tx(0, 1000), tx(1, 100, 9), tx(1, -300, 10)]
    expect(summarize(rows, at(2, 0))).toEqual({ x: 1, tx: 1, T: 2, monetary: -200 })
  })

  it('reads only rows before t0 (an event at t0 is in the future)', () => {
    const rows = [tx(0, 1000), tx(2, 400, 0), tx(3, 999)]
    expect(summarize(rows, at(2, 0))).toEqual({ x: 0, tx: 0, T: 2, monetary: 0 })
    expect(summarize(rows, at(2, 0) + 1)).toEqual({ x: 1, tx: 2, T: 2 + 1 / DAY_MS, monetary: 400 })
  })

  it('is undefined without a purchase before t0', () => {
    expect(summarize([tx(1, -500), tx(5, 100)], at(3, 0))).toBeUndefined()
    expect(summarize([], at(3, 0))).toBeUndefined()
  })

  it('reads its own rows of shared columns', () => {
    const shared = historyFromTransactions([tx(0, 100), tx(1, 100), tx(2, 200), tx(9, 300)])
    const middle: History = { ...shared, start: 1, end: 3 }
    expect(rfmSummary(middle, at(20, 0))).toEqual({ x: 1, tx: 1, T: 19, monetary: 200 })
  })

  it('counts purchase days as core computeFeatures does', () => {
    const spec = defineFeatureSpec({
      horizonDays: 90,
      capDays: 730,
      currencyExponent: 2,
      countryTopK: 5,
    })
    const index = spec.features.findIndex((f) => f.name === 'purchase_days_total')
    const rows = [tx(0, 100, 1), tx(0, 50, 23), tx(1, -20), tx(4, 10), tx(4, 10), tx(30, 5)]
    const h = historyFromTransactions(rows)
    const t0 = at(31, 0)
    expect(rfmSummary(h, t0)!.x + 1).toBe(computeFeatures(h, t0, spec, EXAMPLE_BTYD_PARAMS)![index])
  })
})
