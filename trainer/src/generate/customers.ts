import type { Calendar } from './calendar.ts'
import { packMultiplier, type Countries } from './catalogue.ts'
import type { RegimeParams } from './regime.ts'
import type { Random } from '@fcv/core'

/**
 * The behavioural model, rates per day of business time. Pareto/NBD: purchase rate
 * lambda ~ Gamma(r = purchaseShape, alpha = purchaseRate) (mean ~7 orders a year), dropout rate
 * mu ~ Gamma(s = dropoutShape, beta = dropoutRate). Order value level per customer, Gamma-Gamma
 * style: mean basket lines ~ Gamma (mean 18, lines per order geometric around it) times a pack
 * multiplier from a Gamma spend level. Tuned so a ~2-year run looks like the UCI log: median
 * customer 4 orders, mean ~18 lines per order, top 1000 of 4000 codes ~70 % of lines. This is the
 * steady regime's; the others (regime.ts) change acquisition, the season, beta and churn over time.
 */
export const MODEL = {
  purchaseShape: 0.75,
  purchaseRate: 40,
  dropoutShape: 0.6,
  dropoutRate: 200,
  meanBasketLines: 18,
  basketShape: 3,
  spendShape: 4,
  /** Guest (no customer id) orders per identified order: ~20 % of rows carry no customer id. */
  guestOrdersPerOrder: 0.25,
  /** Orders later partly returned (a `C` invoice); the real log has ~16 % C invoices. */
  returnShare: 0.2,
  duplicateRowShare: 0.01,
  zeroPriceLineShare: 0.004,
  malformedRowShare: 1 / 50_000,
} as const

/**
 * Relative chance of a birth on each day: the season times the regime's acquisition curve (steady:
 * slowing down over the period, 4:1 from first to last day, so the volume does not only ramp up
 * from zero).
 */
export function birthWeights(calendar: Calendar, regime: RegimeParams): Float64Array {
  const days = calendar.days
  return calendar.dayFactor.map((f, d) => f * regime.acquisition(d, days))
}

/** Smallest customer id, as in the real log. */
const FIRST_ID = 12346

/**
 * Customer parameters in typed arrays (memory grows with customers, never with rows), and the
 * births: sorted uniforms drawn one after another, mapped through the cumulative birth weight so
 * they come out in time order without a sort.
 */
export class Customers {
  readonly count: number
  readonly purchaseRate: Float64Array
  readonly dropoutAt: Float64Array
  readonly basketMean: Float32Array
  /** Gamma-Gamma spend level as a pack multiplier on line quantities (1 for most customers). */
  readonly packMultiplier: Uint8Array
  readonly country: Uint8Array
  born = 0
  /** Business time of the next birth, Infinity when all are born. */
  nextBirth = Infinity
  private lastUniform = 0
  private birthDay = 0
  private cumulativeBefore = 0
  private readonly idStride: number
  private readonly calendar: Calendar
  private readonly birthWeight: Float64Array
  private readonly birthWeightTotal: number
  /** The last day with a birth weight above 0: no birth is drawn after it. */
  private readonly lastBirthDay: number
  private readonly dropoutRate: number
  /** a of the cumulative dropout hazard t + a t^2 (rising churn); 0 for a constant hazard. */
  private readonly churnCurvature: number

  constructor(count: number, calendar: Calendar, regime: RegimeParams) {
    if (!Number.isInteger(count) || count < 1) throw new RangeError('customers must be >= 1')
    this.count = count
    this.calendar = calendar
    this.purchaseRate = new Float64Array(count)
    this.dropoutAt = new Float64Array(count)
    this.basketMean = new Float32Array(count)
    this.packMultiplier = new Uint8Array(count)
    this.country = new Uint8Array(count)
    // Ids are a permutation of a contiguous range, so they do not reveal the order of acquisition.
    this.idStride = count % 7919 === 0 ? 7927 : 7919
    this.birthWeight = birthWeights(calendar, regime)
    this.birthWeightTotal = this.birthWeight.reduce((a, b) => a + b, 0)
    if (!(this.birthWeightTotal > 0)) {
      throw new RangeError('the regime acquires nobody in the period')
    }
    let last = this.birthWeight.length - 1
    while (last > 0 && !((this.birthWeight[last] as number) > 0)) last--
    this.lastBirthDay = last
    this.dropoutRate = regime.dropoutRate
    this.churnCurvature = regime.churnRisePerYear / (2 * 365)
  }

  idText(index: number): string {
    return String(FIRST_ID + ((index * this.idStride) % this.count))
  }

  /** Draws the next birth time; call once at the start and after each birth. */
  drawNextBirth(random: Random): void {
    const remaining = this.count - this.born
    if (remaining <= 0) {
      this.nextBirth = Infinity
      return
    }
    this.lastUniform = 1 - (1 - this.lastUniform) * Math.pow(random.uniform(), 1 / remaining)
    const target = this.lastUniform * this.birthWeightTotal
    const factors = this.birthWeight
    let f = factors[this.birthDay] as number
    while (this.birthDay < this.lastBirthDay && this.cumulativeBefore + f <= target) {
      this.cumulativeBefore += f
      this.birthDay++
      f = factors[this.birthDay] as number
    }
    const fraction = f > 0 ? Math.min(0.999999, (target - this.cumulativeBefore) / f) : 0
    const birth = this.calendar.nextOpen(this.birthDay + Math.max(0, fraction))
    // Rounding can push the very last birth onto the end of the period; keep it inside.
    this.nextBirth = Math.min(birth, this.calendar.days - 1e-6)
  }

  /** Draws the latent traits of the customer born now; returns its index. */
  bear(random: Random, countries: Countries, birth: number): number {
    const i = this.born++
    this.purchaseRate[i] = random.gamma(MODEL.purchaseShape, MODEL.purchaseRate)
    const dropout = random.gamma(MODEL.dropoutShape, this.dropoutRate)
    this.dropoutAt[i] = this.dropoutTime(birth, random.exponential() / dropout)
    const basket = random.gamma(MODEL.basketShape, MODEL.basketShape / MODEL.meanBasketLines)
    this.basketMean[i] = Math.min(200, Math.max(1, basket))
    this.packMultiplier[i] = packMultiplier(random.gamma(MODEL.spendShape, MODEL.spendShape))
    this.country[i] = countries.sample(random)
    return i
  }

  /**
   * When a customer born at `birth` drops out, given `exposure` (an Exp(1) draw over its rate mu):
   * the time T where the cumulative hazard reaches it. With churn rising linearly in calendar time,
   * mu (1 + 2 a t), the cumulative hazard is mu (t + a t^2), so T solves
   * a T^2 + T = birth + a birth^2 + exposure; without a rise (a = 0) T = birth + exposure.
   */
  private dropoutTime(birth: number, exposure: number): number {
    const a = this.churnCurvature
    if (a === 0) return birth + exposure
    const c = birth + a * birth * birth + exposure
    return (2 * c) / (1 + Math.sqrt(1 + 4 * a * c))
  }

  /**
   * Next order after u by thinning: candidates at the customer's peak rate, kept with probability
   * (day intensity / peak intensity). Infinity once the customer has dropped out or the period ends.
   */
  nextOrder(random: Random, index: number, u: number): number {
    const peak = this.calendar.maxDayFactor
    const rate = (this.purchaseRate[index] as number) * peak
    const end = Math.min(this.dropoutAt[index] as number, this.calendar.days)
    let t = u
    for (;;) {
      t += random.exponential() / rate
      if (t >= end) return Infinity
      if (random.uniform() * peak < this.calendar.factorAt(t)) return t
    }
  }
}
