import { btydValue, type BtydParams } from '../btyd/predict.ts'
import { rfmSummariesAtCutoffs } from '../btyd/rfm.ts'
import { DAY_MS, utcDay } from '../time.ts'
import { DenseKeySlots } from './dense-keys.ts'
import { lowerBound, type History } from './history.ts'
import { WINDOWS_DAYS, type FeatureSpec } from './spec.ts'

/** Values in spec order: numbers, and strings for categorical features. */
export type FeatureVector = (number | string)[]

const W = WINDOWS_DAYS.length

/**
 * Scratch reused across calls (see dense-keys.ts): training computes features for every customer at
 * every cutoff, and allocating per call costs more than the arithmetic. Order and product keys are
 * dense dictionary indices in every runtime; rows without an order id fall back to a Map keyed by
 * timestamp.
 */
const productSeen = new DenseKeySlots()
const orderSlots = new DenseKeySlots()
let scratchRows = 0
/** Prefix sums by row (index j holds the sum over rows before start + j): spend and day marks. */
let spendBefore = new Float64Array(0)
let daysBefore = new Int32Array(0)
/** Count of purchase rows before each row, and the rows of the purchases in order. */
let purchasesBefore = new Int32Array(0)
let purchaseRows = new Int32Array(0)

function ensureScratch(rows: number): void {
  if (rows + 1 <= scratchRows) return
  const n = Math.max(rows + 1, scratchRows * 2, 1024)
  spendBefore = new Float64Array(n)
  daysBefore = new Int32Array(n)
  purchasesBefore = new Int32Array(n)
  purchaseRows = new Int32Array(n)
  scratchRows = n
}

/**
 * The single implementation of the feature spec (spec.ts has the definitions). Reads only rows with
 * timestamp < t0. Returns undefined when the customer has no purchase before t0: such a customer is
 * not in the population at t0. `btyd` is the BG/NBD x Gamma-Gamma fit btyd_value is scored with: the
 * one fitted at this cutoff in training, the one the model carries when serving.
 */
export function computeFeatures(
  h: History,
  t0: number,
  spec: FeatureSpec,
  btyd: BtydParams
): FeatureVector | undefined {
  return computeFeaturesAtCutoffs(h, [t0], spec, [btyd])[0]
}

/**
 * computeFeatures at each of `cutoffs` (ascending), in one pass over the history: what only grows
 * with the rows (totals, first and last purchase, orders, products, country) is carried from one
 * cutoff to the next, and each window is read from prefix sums, so the rows are visited once however
 * many cutoffs there are.
 */
export function computeFeaturesAtCutoffs(
  h: History,
  cutoffs: readonly number[],
  spec: FeatureSpec,
  /** One fit per cutoff; null only for a cutoff before every purchase (nothing to score there). */
  btyd: readonly (BtydParams | null)[]
): (FeatureVector | undefined)[] {
  if (btyd.length !== cutoffs.length) {
    throw new RangeError('computeFeaturesAtCutoffs: one BG/NBD x Gamma-Gamma fit per cutoff')
  }
  const out: (FeatureVector | undefined)[] = []
  const start = h.start
  const last = cutoffs.length > 0 ? (cutoffs[cutoffs.length - 1] as number) : Number.NaN
  for (let k = 1; k < cutoffs.length; k++) {
    if (!((cutoffs[k] as number) >= (cutoffs[k - 1] as number))) {
      throw new RangeError('computeFeaturesAtCutoffs: cutoffs must be in ascending order')
    }
  }
  const end = lowerBound(h, last)
  // btyd_value reads the repeat-purchase summaries (their own pass: they net each purchase day).
  const summaries = rfmSummariesAtCutoffs(h, cutoffs)
  const btydMinorAt = (k: number): number => {
    const fit = btyd[k]
    const summary = summaries[k]
    if (!fit || !summary) {
      throw new RangeError(
        'computeFeaturesAtCutoffs: no BG/NBD x Gamma-Gamma fit for a cutoff with purchases before it'
      )
    }
    return btydValue(fit, summary, spec.horizonDays)
  }
  ensureScratch(end - start)
  productSeen.clear()
  orderSlots.clear()

  let spendTotal = 0
  let days = 0
  let purchases = 0
  let lastDay = Number.NaN
  let firstDay = Number.NaN
  let firstPurchase = Number.NaN
  let lastPurchase = Number.NaN
  let purchased = 0
  let returned = 0
  let countryIndex = -1
  let distinctProducts = 0
  // Orders: key -> slot; value and first-line time per slot, in order of first appearance. Lines of
  // one order are nearly always adjacent, so the previous key is checked first.
  let untimedOrders: Map<number, number> | undefined
  const orderValue: number[] = []
  const orderTime: number[] = []
  let prevKey = Number.NaN
  let slot = -1

  let k = 0
  for (let i = start; ; i++) {
    const j = i - start
    spendBefore[j] = spendTotal
    daysBefore[j] = days
    purchasesBefore[j] = purchases
    // Every cutoff at or before this row's time sees exactly the rows before it.
    const t = i < end ? (h.timestamp[i] as number) : Number.POSITIVE_INFINITY
    while (k < cutoffs.length && (cutoffs[k] as number) <= t) {
      const t0 = cutoffs[k] as number
      out.push(
        Number.isNaN(firstPurchase)
          ? undefined
          : vectorAt(h, t0, i, spec, {
              spendTotal,
              days,
              firstDay,
              lastDay,
              firstPurchase,
              lastPurchase,
              purchased,
              returned,
              countryIndex,
              distinctProducts,
              orderValue,
              orderTime,
              btydMinor: btydMinorAt(k),
            })
      )
      k++
    }
    if (i >= end) break

    const a = h.amountMinor[i] as number
    spendTotal += a
    const c = h.country[i] as number
    if (c >= 0) countryIndex = c

    const o = h.order[i] as number
    const key = o >= 0 ? o : -1 - t // without order ids, one timestamp is one order
    if (key !== prevKey) {
      const untimed = o < 0 ? (untimedOrders ??= new Map()) : undefined
      const known = untimed ? (untimed.get(key) ?? -1) : orderSlots.get(o)
      if (known < 0) {
        slot = orderValue.length
        if (untimed) untimed.set(key, slot)
        else orderSlots.set(o, slot)
        orderValue.push(0)
        orderTime.push(t)
      } else {
        slot = known
      }
      prevKey = key
    }
    orderValue[slot]! += a

    if (a > 0) {
      purchased += a
      if (Number.isNaN(firstPurchase)) firstPurchase = t
      lastPurchase = t
      purchaseRows[purchases++] = i
      const day = utcDay(t)
      if (day !== lastDay) {
        days++
        if (Number.isNaN(firstDay)) firstDay = day
        lastDay = day
      }
      const p = h.product[i] as number
      if (p >= 0 && productSeen.get(p) < 0) {
        productSeen.set(p, 0)
        distinctProducts++
      }
    } else if (a < 0) {
      returned -= a
    }
  }
  return out
}

/** What the pass has accumulated over the rows before a cutoff. */
interface Carried {
  spendTotal: number
  days: number
  firstDay: number
  lastDay: number
  firstPurchase: number
  lastPurchase: number
  purchased: number
  returned: number
  countryIndex: number
  distinctProducts: number
  orderValue: readonly number[]
  orderTime: readonly number[]
  /** btyd_value at this cutoff, minor units. */
  btydMinor: number
}

/** First row in [start, end) with timestamp >= t. */
function firstAtOrAfter(h: History, start: number, end: number, t: number): number {
  let lo = start
  let hi = end
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((h.timestamp[mid] as number) < t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Distinct UTC days with a purchase among rows [from, end), from the prefix arrays: the days first
 * seen in that range, plus the range's first purchase day when it began before `from`.
 */
function purchaseDaysFrom(h: History, start: number, from: number, end: number): number {
  const f = from - start
  const e = end - start
  let n = (daysBefore[e] as number) - (daysBefore[f] as number)
  const before = purchasesBefore[f] as number
  if (before > 0 && (purchasesBefore[e] as number) > before) {
    const firstInside = purchaseRows[before] as number
    const lastBefore = purchaseRows[before - 1] as number
    if (utcDay(h.timestamp[firstInside] as number) === utcDay(h.timestamp[lastBefore] as number)) {
      n++
    }
  }
  return n
}

/** The feature vector at t0, whose rows are [h.start, end). */
function vectorAt(
  h: History,
  t0: number,
  end: number,
  spec: FeatureSpec,
  s: Carried
): FeatureVector {
  const start = h.start
  const scale = 10 ** spec.currencyExponent
  const money = (minor: number) => minor / scale
  const spendAtEnd = spendBefore[end - start] as number

  const spend = new Array<number>(W)
  const days = new Array<number>(W)
  const windowStart = new Array<number>(W)
  for (let w = 0; w < W; w++) {
    const from = t0 - (WINDOWS_DAYS[w] as number) * DAY_MS
    windowStart[w] = from
    const i = firstAtOrAfter(h, start, end, from)
    spend[w] = money(spendAtEnd - (spendBefore[i - start] as number))
    days[w] = purchaseDaysFrom(h, start, i, end)
  }
  const orders = new Array<number>(W).fill(0)
  let ordersTotal = 0
  let positiveValueSum = 0
  let maxOrder = Number.NEGATIVE_INFINITY
  let firstOrder = Number.NaN
  let returnsCount = 0
  const { orderValue, orderTime } = s
  for (let o = 0; o < orderValue.length; o++) {
    const v = orderValue[o] as number
    if (v > maxOrder) maxOrder = v
    if (v < 0) returnsCount++
    if (v <= 0) continue
    ordersTotal++
    positiveValueSum += v
    if (Number.isNaN(firstOrder)) firstOrder = v
    const t = orderTime[o] as number
    for (let w = 0; w < W; w++) if (t >= (windowStart[w] as number)) orders[w]!++
  }

  const cap = spec.capDays
  const daysTotal = s.days
  return [
    ...spend,
    money(s.spendTotal),
    ...days,
    daysTotal,
    ...orders,
    ordersTotal,
    Math.min(cap, (t0 - s.lastPurchase) / DAY_MS),
    Math.min(cap, (t0 - s.firstPurchase) / DAY_MS),
    daysTotal >= 2 ? Math.min(cap, (s.lastDay - s.firstDay) / (daysTotal - 1)) : cap,
    ordersTotal > 0 ? money(positiveValueSum) / ordersTotal : 0,
    money(maxOrder),
    Number.isNaN(firstOrder) ? 0 : money(firstOrder),
    returnsCount,
    s.purchased > 0 ? Math.min(1, s.returned / s.purchased) : 0,
    s.distinctProducts,
    daysTotal === 1 ? 1 : 0,
    money(s.btydMinor),
    s.countryIndex >= 0 ? (h.countries[s.countryIndex] as string) : '',
  ]
}
