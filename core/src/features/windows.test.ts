import { EXAMPLE_BTYD_PARAMS } from '../btyd/example-params.ts'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DAY_MS, utcDay } from '../time.ts'
import type { Transaction } from '../transaction.ts'
import { computeFeatures } from './compute.ts'
import { historyFromTransactions } from './history.ts'
import { defineFeatureSpec } from './definitions.ts'
import { WINDOWS_DAYS } from './spec.ts'

// computeFeatures reads windows from prefix sums; this checks them against the definition applied
// naively, window by window, on histories crowded around the window edges (same-day rows on both
// sides of t0 - N days: a purchase day straddling a window's start is where a count goes wrong).

const spec = defineFeatureSpec({
  horizonDays: 90,
  capDays: 730,
  currencyExponent: 2,
  countryTopK: 5,
})
const t0 = Date.UTC(2011, 5, 12, 10, 30) // not midnight: windows start mid-day
const HOUR = 3_600_000
const edgeTime = fc
  .tuple(fc.constantFrom(...WINDOWS_DAYS, 400), fc.integer({ min: -30, max: 30 }))
  .map(([d, h]) => t0 - d * DAY_MS + h * HOUR)
const anyTime = fc.integer({ min: t0 - 500 * DAY_MS, max: t0 - 1 })
const txArb: fc.Arbitrary<Transaction> = fc.record({
  customerId: fc.constant('c'),
  timestamp: fc.oneof(edgeTime, anyTime),
  amountMinor: fc.integer({ min: -5_000, max: 20_000 }),
  orderId: fc.constantFrom('A', 'B', 'C'),
})

function naive(txs: Transaction[], days: number) {
  const inside = txs.filter((t) => t.timestamp >= t0 - days * DAY_MS && t.timestamp < t0)
  return {
    spend: inside.reduce((s, t) => s + t.amountMinor, 0) / 100,
    purchaseDays: new Set(inside.filter((t) => t.amountMinor > 0).map((t) => utcDay(t.timestamp)))
      .size,
  }
}

describe('window features', () => {
  it('equal the definition applied window by window', () => {
    const at = (name: string) => spec.features.findIndex((f) => f.name === name)
    fc.assert(
      fc.property(fc.array(txArb, { minLength: 1, maxLength: 30 }), (txs) => {
        const v = computeFeatures(historyFromTransactions(txs), t0, spec, EXAMPLE_BTYD_PARAMS)
        if (!txs.some((t) => t.amountMinor > 0 && t.timestamp < t0)) return v === undefined
        for (const d of WINDOWS_DAYS) {
          const want = naive(txs, d)
          expect(v![at(`spend_${d}d`)]).toBeCloseTo(want.spend, 9)
          expect(v![at(`purchase_days_${d}d`)]).toBe(want.purchaseDays)
        }
        return true
      }),
      { numRuns: 500 }
    )
  })
})
