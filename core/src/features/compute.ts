import { DAY_MS, utcDay } from '../time.ts'
import { DenseKeySlots } from './dense-keys.ts'
import { lowerBound, type History } from './history.ts'
import { WINDOWS_DAYS, type FeatureSpec } from './spec.ts'

/** Values in spec order: numbers, and strings for categorical features. */
export type FeatureVector = (number | string)[]

const W = WINDOWS_DAYS.length

// Reused across calls (see dense-keys.ts). Order and product keys are dense dictionary indices in
// every runtime; rows without an order id fall back to a Map keyed by timestamp.
const productSeen = new DenseKeySlots()
const orderSlots = new DenseKeySlots()

/** Running sums over depths 0..W-1: the value for each window from per-depth amounts. */
function cumulative(perDepth: readonly number[]): number[] {
  const out = new Array<number>(W)
  let sum = 0
  for (let k = 0; k < W; k++) out[k] = sum += perDepth[k] as number
  return out
}

/**
 * The single implementation of feature spec v1 (spec.ts has the definitions). Reads only rows with
 * timestamp < t0. Returns undefined when the customer has no purchase before t0: such a customer is
 * not in the population at t0.
 */
export function computeFeatures(
  h: History,
  t0: number,
  spec: FeatureSpec
): FeatureVector | undefined {
  const end = lowerBound(h, t0)
  const scale = 10 ** spec.currencyExponent
  const windowStart = WINDOWS_DAYS.map((d) => t0 - d * DAY_MS)
  const seasonStart = t0 - 365 * DAY_MS
  const seasonEnd = seasonStart + spec.horizonDays * DAY_MS

  // Windows nest (30d inside 90d inside ...), and rows come in time order, so each row has a depth m:
  // the narrowest window holding it (W = none), never increasing along the rows. Sums are kept per
  // depth and added up afterwards, instead of testing every window on every row.
  const spendAt = new Array<number>(W + 1).fill(0)
  // Purchase days per depth as a difference array: a new day counts in every window holding its row;
  // a later row of the same day deeper in (nearer t0) adds that day to the windows between.
  const daysAt = new Array<number>(W + 1).fill(0)
  let depth = W
  let lastPurchaseDepth = W
  let spendTotal = 0
  let daysTotal = 0
  let lastDay = Number.NaN
  let firstDay = Number.NaN
  let firstPurchase = Number.NaN
  let lastPurchase = Number.NaN
  let purchased = 0
  let returned = 0
  let season = 0
  let countryIndex = -1
  productSeen.clear()
  orderSlots.clear()
  let distinctProducts = 0
  // Orders: key -> slot; value and first-line time per slot, in order of first appearance. Lines of
  // one order are nearly always adjacent, so the previous key is checked first.
  let untimedOrders: Map<number, number> | undefined
  const orderValue: number[] = []
  const orderTime: number[] = []
  let prevKey = Number.NaN
  let slot = -1

  for (let i = h.start; i < end; i++) {
    const t = h.timestamp[i] as number
    const a = h.amountMinor[i] as number
    spendTotal += a
    while (depth > 0 && t >= (windowStart[depth - 1] as number)) depth--
    spendAt[depth]! += a
    if (t >= seasonStart && t < seasonEnd) season += a
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
      const day = utcDay(t)
      if (day !== lastDay) {
        daysTotal++
        if (Number.isNaN(firstDay)) firstDay = day
        lastDay = day
        daysAt[depth]!++
      } else if (depth < lastPurchaseDepth) {
        daysAt[depth]!++
        daysAt[lastPurchaseDepth]!--
      }
      lastPurchaseDepth = depth
      const p = h.product[i] as number
      if (p >= 0 && productSeen.get(p) < 0) {
        productSeen.set(p, 0)
        distinctProducts++
      }
    } else if (a < 0) {
      returned -= a
    }
  }
  if (Number.isNaN(firstPurchase)) return undefined

  const orders = new Array<number>(W).fill(0)
  let ordersTotal = 0
  let positiveValueSum = 0
  let maxOrder = Number.NEGATIVE_INFINITY
  let firstOrder = Number.NaN
  let returnsCount = 0
  for (let s = 0; s < orderValue.length; s++) {
    const v = orderValue[s] as number
    if (v > maxOrder) maxOrder = v
    if (v < 0) returnsCount++
    if (v <= 0) continue
    ordersTotal++
    positiveValueSum += v
    if (Number.isNaN(firstOrder)) firstOrder = v
    const t = orderTime[s] as number
    for (let k = 0; k < W; k++) if (t >= (windowStart[k] as number)) orders[k]!++
  }

  const cap = spec.capDays
  const money = (minor: number) => minor / scale
  const spend = cumulative(spendAt)
  const days = cumulative(daysAt)
  return [
    ...spend.map(money),
    money(spendTotal),
    ...days,
    daysTotal,
    ...orders,
    ordersTotal,
    Math.min(cap, (t0 - lastPurchase) / DAY_MS),
    Math.min(cap, (t0 - firstPurchase) / DAY_MS),
    daysTotal >= 2 ? Math.min(cap, (lastDay - firstDay) / (daysTotal - 1)) : cap,
    ordersTotal > 0 ? money(positiveValueSum) / ordersTotal : 0,
    money(maxOrder),
    Number.isNaN(firstOrder) ? 0 : money(firstOrder),
    returnsCount,
    purchased > 0 ? Math.min(1, returned / purchased) : 0,
    distinctProducts,
    daysTotal === 1 ? 1 : 0,
    money(season),
    countryIndex >= 0 ? (h.countries[countryIndex] as string) : '',
  ]
}
