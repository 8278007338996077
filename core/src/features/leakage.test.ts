import { EXAMPLE_BTYD_PARAMS } from '../btyd/example-params.ts'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DAY_MS } from '../time.ts'
import type { Transaction } from '../transaction.ts'
import { computeFeatures } from './compute.ts'
import { historyFromTransactions } from './history.ts'
import { labelMinor } from './label.ts'
import { defineFeatureSpec } from './definitions.ts'

// The leakage guard: nothing at or after the cutoff may move a feature, and the label sees exactly
// [t0, t0 + 90 days). Histories are random; the cutoff and the mutations are chosen adversarially
// around it (exactly at t0, a millisecond before, at t0 + 90 days).

const spec = defineFeatureSpec({
  horizonDays: 90,
  capDays: 730,
  currencyExponent: 2,
  countryTopK: 10,
})
const t0 = Date.UTC(2011, 5, 12)
const span = 800 * DAY_MS

const timestampArb = fc.oneof(
  fc.integer({ min: t0 - span, max: t0 + 200 * DAY_MS }),
  fc.constantFrom(t0, t0 - 1, t0 + 90 * DAY_MS, t0 + 90 * DAY_MS - 1, t0 - 365 * DAY_MS)
)
const txArb: fc.Arbitrary<Transaction> = fc.record({
  customerId: fc.constant('c'),
  timestamp: timestampArb,
  amountMinor: fc.integer({ min: -50_000, max: 100_000 }),
  orderId: fc.option(fc.constantFrom('A', 'B', 'C', 'D', 'E'), { nil: undefined }),
  productId: fc.option(fc.constantFrom('p1', 'p2', 'p3'), { nil: undefined }),
  country: fc.option(fc.constantFrom('United Kingdom', 'France', 'EIRE'), { nil: undefined }),
})
const futureTxArb = txArb.map((t) => ({ ...t, timestamp: t0 + Math.abs(t.timestamp - t0) }))

const features = (txs: Transaction[]) =>
  computeFeatures(historyFromTransactions(txs), t0, spec, EXAMPLE_BTYD_PARAMS)

describe('leakage guard', () => {
  it('features at t0 ignore any change, addition or removal of transactions at or after t0', () => {
    fc.assert(
      fc.property(
        fc.array(txArb, { maxLength: 40 }),
        fc.array(futureTxArb, { maxLength: 10 }),
        fc.func(fc.integer({ min: -100_000, max: 100_000 })),
        (history, added, newAmount) => {
          const before = features(history)
          const past = history.filter((t) => t.timestamp < t0)
          const changed = history.map((t, i) =>
            t.timestamp >= t0
              ? { ...t, amountMinor: newAmount(i), orderId: 'A', productId: 'p9' }
              : t
          )
          expect(features([...history, ...added])).toEqual(before)
          expect(features(past)).toEqual(before)
          expect(features(changed)).toEqual(before)
        }
      ),
      { numRuns: 300 }
    )
  })

  it('the label is the floored net spend in exactly [t0, t0 + 90 days)', () => {
    fc.assert(
      fc.property(fc.array(txArb, { maxLength: 40 }), (history) => {
        const inWindow = history.filter((t) => t.timestamp >= t0 && t.timestamp < t0 + 90 * DAY_MS)
        const expected = Math.max(
          0,
          inWindow.reduce((s, t) => s + t.amountMinor, 0)
        )
        expect(labelMinor(historyFromTransactions(history), t0, 90)).toBe(expected)
      }),
      { numRuns: 300 }
    )
  })

  it('transactions exactly at t0 count in the label, one millisecond earlier in the features', () => {
    const at = (timestamp: number): Transaction => ({
      customerId: 'c',
      timestamp,
      amountMinor: 700,
    })
    const base = [at(t0 - 10 * DAY_MS)]
    const h1 = historyFromTransactions([...base, at(t0)])
    const h2 = historyFromTransactions([...base, at(t0 - 1)])
    const h3 = historyFromTransactions([...base, at(t0 + 90 * DAY_MS)])
    expect(labelMinor(h1, t0, 90)).toBe(700)
    expect(labelMinor(h2, t0, 90)).toBe(0)
    expect(labelMinor(h3, t0, 90)).toBe(0)
    expect(computeFeatures(h1, t0, spec, EXAMPLE_BTYD_PARAMS)).toEqual(
      computeFeatures(historyFromTransactions(base), t0, spec, EXAMPLE_BTYD_PARAMS)
    )
    expect(computeFeatures(h2, t0, spec, EXAMPLE_BTYD_PARAMS)![4]).toBe(14)
  })
})
