import { btydValue } from '../btyd/predict.ts'
import { EXAMPLE_BTYD_PARAMS } from '../btyd/example-params.ts'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DAY_MS, utcDay } from '../time.ts'
import type { Transaction } from '../transaction.ts'
import { computeFeatures, computeFeaturesAtCutoffs, type FeatureVector } from './compute.ts'
import { historyFromTransactions } from './history.ts'
import { defineFeatureSpec } from './definitions.ts'
import { WINDOWS_DAYS } from './spec.ts'

// computeFeaturesAtCutoffs reads windows from prefix sums and carries state from one cutoff to the
// next; here every feature at every cutoff is checked against the spec's definitions applied naively
// (filter the rows, build the sets), on histories crowded around window edges and cutoffs, with
// same-day rows, multi-line orders, returns, and rows without order, product or country.

const spec = defineFeatureSpec({
  horizonDays: 90,
  capDays: 730,
  currencyExponent: 2,
  countryTopK: 5,
})
const base = Date.UTC(2011, 5, 12, 10, 30) // not midnight: windows start mid-day
const HOUR = 3_600_000

/** The spec by its definitions (spec.ts), for one cutoff. */
function reference(txs: readonly Transaction[], t0: number): FeatureVector | undefined {
  const rows = txs
    .map((t, i) => ({ t, i }))
    .sort((a, b) => a.t.timestamp - b.t.timestamp || a.i - b.i)
    .map((r) => r.t)
    .filter((r) => r.timestamp < t0)
  const purchases = rows.filter((r) => r.amountMinor > 0)
  if (purchases.length === 0) return undefined
  const money = (minor: number) => minor / 100
  const cap = spec.capDays
  const since = (d: number) => rows.filter((r) => r.timestamp >= t0 - d * DAY_MS)
  const net = (rs: readonly Transaction[]) => rs.reduce((s, r) => s + r.amountMinor, 0)
  const purchaseDays = (rs: readonly Transaction[]) =>
    new Set(rs.filter((r) => r.amountMinor > 0).map((r) => utcDay(r.timestamp))).size

  const orders = new Map<string, { value: number; first: number }>()
  for (const r of rows) {
    const key = r.orderId ? `id ${r.orderId}` : `at ${r.timestamp}`
    const o = orders.get(key) ?? { value: 0, first: r.timestamp }
    o.value += r.amountMinor
    orders.set(key, o)
  }
  const all = [...orders.values()]
  const positive = all.filter((o) => o.value > 0)
  const ordersSince = (d: number) => positive.filter((o) => o.first >= t0 - d * DAY_MS).length

  const days = [...new Set(purchases.map((r) => utcDay(r.timestamp)))]
  const purchased = net(purchases)
  const returned = -net(rows.filter((r) => r.amountMinor < 0))
  // btyd_value: the repeat-purchase summary by its definition (core/src/btyd/rfm.ts), then the fit.
  const dayNet = new Map<number, number>()
  for (const r of rows)
    dayNet.set(utcDay(r.timestamp), (dayNet.get(utcDay(r.timestamp)) ?? 0) + r.amountMinor)
  const repeatDays = days.slice(1)
  const summary = {
    x: repeatDays.length,
    tx: days[days.length - 1]! - days[0]!,
    T: (t0 - days[0]! * DAY_MS) / DAY_MS,
    monetary:
      repeatDays.length > 0
        ? repeatDays.reduce((s, d) => s + dayNet.get(d)!, 0) / repeatDays.length
        : 0,
  }
  const countries = rows.filter((r) => r.country)
  return [
    ...WINDOWS_DAYS.map((d) => money(net(since(d)))),
    money(net(rows)),
    ...WINDOWS_DAYS.map((d) => purchaseDays(since(d))),
    days.length,
    ...WINDOWS_DAYS.map(ordersSince),
    positive.length,
    Math.min(cap, (t0 - purchases[purchases.length - 1]!.timestamp) / DAY_MS),
    Math.min(cap, (t0 - purchases[0]!.timestamp) / DAY_MS),
    days.length >= 2 ? Math.min(cap, (days[days.length - 1]! - days[0]!) / (days.length - 1)) : cap,
    positive.length > 0 ? money(net2(positive)) / positive.length : 0,
    money(Math.max(...all.map((o) => o.value))),
    positive.length > 0 ? money(positive[0]!.value) : 0,
    all.filter((o) => o.value < 0).length,
    purchased > 0 ? Math.min(1, returned / purchased) : 0,
    new Set(purchases.filter((r) => r.productId).map((r) => r.productId)).size,
    days.length === 1 ? 1 : 0,
    money(btydValue(EXAMPLE_BTYD_PARAMS, summary, spec.horizonDays)),
    countries.length > 0 ? countries[countries.length - 1]!.country! : '',
  ]
}

function net2(orders: readonly { value: number }[]): number {
  return orders.reduce((s, o) => s + o.value, 0)
}

// Times crowded at window edges (N days before `base`, give or take hours) and anywhere before.
const edgeTime = fc
  .tuple(fc.constantFrom(0, ...WINDOWS_DAYS, 275, 400), fc.integer({ min: -30, max: 30 }))
  .map(([d, h]) => base - d * DAY_MS + h * HOUR)
const anyTime = fc.integer({ min: base - 500 * DAY_MS, max: base + 10 * DAY_MS })
const optional = <T>(values: T[]) => fc.option(fc.constantFrom(...values), { nil: undefined })
const txArb: fc.Arbitrary<Transaction> = fc.record({
  customerId: fc.constant('c'),
  timestamp: fc.oneof(edgeTime, anyTime),
  amountMinor: fc.integer({ min: -5_000, max: 20_000 }),
  orderId: optional(['A', 'B', 'C', 'D']),
  productId: optional(['p1', 'p2', 'p3']),
  country: optional(['UK', 'FR']),
})
// Cutoffs near `base` put their window starts among the crowded rows; others land anywhere.
const nearBase = fc.integer({ min: -6, max: 6 }).map((h) => base + h * HOUR)
const cutoffsArb = fc
  .array(
    fc.oneof(
      { arbitrary: nearBase, weight: 3 },
      { arbitrary: edgeTime, weight: 1 },
      { arbitrary: fc.integer({ min: base - 400 * DAY_MS, max: base + 5 * DAY_MS }), weight: 1 }
    ),
    { minLength: 1, maxLength: 6 }
  )
  .map((ts) => ts.sort((a, b) => a - b))

function expectSame(got: FeatureVector | undefined, want: FeatureVector | undefined): void {
  if (want === undefined) {
    expect(got).toBeUndefined()
    return
  }
  expect(got).toHaveLength(want.length)
  want.forEach((w, i) => {
    const name = spec.features[i]!.name
    if (typeof w === 'string') expect(got![i], name).toBe(w)
    else expect(got![i] as number, name).toBeCloseTo(w, 9)
  })
}

describe('computeFeaturesAtCutoffs', () => {
  it('equals spec v1 applied by its definitions, at every cutoff of a pass', () => {
    fc.assert(
      fc.property(fc.array(txArb, { maxLength: 40 }), cutoffsArb, (txs, cutoffs) => {
        const got = computeFeaturesAtCutoffs(
          historyFromTransactions(txs),
          cutoffs,
          spec,
          cutoffs.map(() => EXAMPLE_BTYD_PARAMS)
        )
        expect(got).toHaveLength(cutoffs.length)
        cutoffs.forEach((t0, k) => expectSame(got[k], reference(txs, t0)))
      }),
      { numRuns: 400 }
    )
  })

  it('gives each cutoff what a pass with that cutoff alone gives', () => {
    fc.assert(
      fc.property(fc.array(txArb, { maxLength: 40 }), cutoffsArb, (txs, cutoffs) => {
        const h = historyFromTransactions(txs)
        const together = computeFeaturesAtCutoffs(
          h,
          cutoffs,
          spec,
          cutoffs.map(() => EXAMPLE_BTYD_PARAMS)
        )
        cutoffs.forEach((t0, k) =>
          expect(together[k]).toEqual(computeFeatures(h, t0, spec, EXAMPLE_BTYD_PARAMS))
        )
      }),
      { numRuns: 200 }
    )
  })

  it('refuses cutoffs out of order', () => {
    const h = historyFromTransactions([
      { customerId: 'c', timestamp: base - DAY_MS, amountMinor: 100 },
    ])
    expect(() =>
      computeFeaturesAtCutoffs(
        h,
        [base, base - DAY_MS],
        spec,
        [base, base - DAY_MS].map(() => EXAMPLE_BTYD_PARAMS)
      )
    ).toThrow(/ascending/)
  })
})
