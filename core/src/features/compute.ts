import { DAY_MS, utcDay } from '../time.ts'
import { lowerBound, type History } from './history.ts'
import { WINDOWS_DAYS, type FeatureSpec } from './spec.ts'

/** Values in spec order: numbers, and strings for categorical features. */
export type FeatureVector = (number | string)[]

const W = WINDOWS_DAYS.length

// Distinct products are counted with a reusable stamp array instead of a Set per call: product keys
// are dense dictionary indices in every runtime, and this loop runs millions of times in training.
let productStamp = new Int32Array(1024)
let stampEpoch = 0

function nextEpoch(): number {
  if (stampEpoch === 0x7fffffff) {
    productStamp.fill(0)
    stampEpoch = 0
  }
  return ++stampEpoch
}

function firstSighting(product: number, epoch: number): boolean {
  if (product >= productStamp.length) {
    const grown = new Int32Array(Math.max(product + 1, productStamp.length * 2))
    grown.set(productStamp)
    productStamp = grown
  }
  if (productStamp[product] === epoch) return false
  productStamp[product] = epoch
  return true
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

  const spend = new Array<number>(W).fill(0)
  const days = new Array<number>(W).fill(0)
  const lastDayInWindow = new Array<number>(W).fill(Number.NaN)
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
  const epoch = nextEpoch()
  let distinctProducts = 0
  // Orders: key -> slot; value and first-line time per slot, in order of first appearance. Lines of
  // one order are nearly always adjacent, so the previous key is checked before the map.
  const orderSlot = new Map<number, number>()
  const orderValue: number[] = []
  const orderTime: number[] = []
  let prevKey = Number.NaN
  let slot = -1

  for (let i = h.start; i < end; i++) {
    const t = h.timestamp[i] as number
    const a = h.amountMinor[i] as number
    spendTotal += a
    for (let k = 0; k < W; k++) if (t >= (windowStart[k] as number)) spend[k]! += a
    if (t >= seasonStart && t < seasonEnd) season += a
    const c = h.country[i] as number
    if (c >= 0) countryIndex = c

    const o = h.order[i] as number
    const key = o >= 0 ? o : -1 - t // without order ids, one timestamp is one order
    if (key !== prevKey) {
      const known = orderSlot.get(key)
      if (known === undefined) {
        slot = orderValue.length
        orderSlot.set(key, slot)
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
      }
      for (let k = 0; k < W; k++) {
        if (t >= (windowStart[k] as number) && day !== lastDayInWindow[k]) {
          days[k]!++
          lastDayInWindow[k] = day
        }
      }
      const p = h.product[i] as number
      if (p >= 0 && firstSighting(p, epoch)) distinctProducts++
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
