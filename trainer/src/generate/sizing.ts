import { Calendar, parseStartDate } from './calendar.ts'
import { MODEL, birthWeights } from './customers.ts'
import { REGIME_PARAMS, type Regime } from './regime.ts'

/**
 * Rows in the log per identified customer order: its product lines (mean ~18) with duplicates and
 * non-product lines, plus the guest orders and returns it brings along. Measured on generated logs
 * (seeds 1-3, half a year to 5 years: 22.5-23.9); the order count itself comes from the model below.
 */
const ROWS_PER_ORDER = 23.3

/**
 * Expected orders of one customer, averaged over births: the first order at birth plus a
 * Pareto/NBD stream. With mu ~ Gamma(s, beta) the chance to be alive x days after birth is
 * (beta / (beta + x))^s, and orders arrive at E[lambda] = r / alpha per day times the day's factor.
 * The regime sets the births, the season, beta, and a rising hazard that turns x into the cumulative
 * hazard since birth.
 */
export function expectedOrdersPerCustomer(
  years: number,
  start = '2021-01-01',
  regime: Regime = 'steady'
): number {
  const params = REGIME_PARAMS[regime]
  const calendar = new Calendar(parseStartDate(start), years, params.seasonPeak)
  const weights = birthWeights(calendar, params)
  // Day buckets keep this quadratic sum small for long periods.
  const stride = Math.max(1, Math.ceil(calendar.days / 1500))
  const buckets = Math.ceil(calendar.days / stride)
  const factor = new Float64Array(buckets)
  const birth = new Float64Array(buckets)
  for (let d = 0; d < calendar.days; d++) {
    const b = Math.floor(d / stride)
    factor[b] = (factor[b] as number) + (calendar.dayFactor[d] as number)
    birth[b] = (birth[b] as number) + (weights[d] as number)
  }
  const rate = MODEL.purchaseShape / MODEL.purchaseRate
  const s = MODEL.dropoutShape
  const beta = params.dropoutRate
  // Cumulative hazard t + a t^2 (customers.ts, dropoutTime).
  const a = params.churnRisePerYear / (2 * 365)
  let total = 0
  let weightTotal = 0
  for (let b = 0; b < buckets; b++) {
    let later = 0
    // Half a bucket after birth on average within the birth bucket.
    for (let t = b; t < buckets; t++) {
      const age = (t - b + (t === b ? 0.25 : 0)) * stride
      const born = (b + 0.5) * stride
      const exposure = age + a * ((born + age) ** 2 - born ** 2)
      const share = t === b ? 0.5 : 1
      later += share * (factor[t] as number) * (beta / (beta + exposure)) ** s
    }
    total += (birth[b] as number) * (1 + rate * later)
    weightTotal += birth[b] as number
  }
  return total / weightTotal
}

/** Expected rows (header excluded) of `runGenerate` for these options, within a few percent. */
export function expectedRows(
  customers: number,
  years: number,
  start?: string,
  regime?: Regime
): number {
  return customers * expectedOrdersPerCustomer(years, start, regime) * ROWS_PER_ORDER
}

/** The `customers` option that gives about `rows` rows over `years` years. */
export function customersForRows(
  rows: number,
  years: number,
  start?: string,
  regime?: Regime
): number {
  const perCustomer = expectedOrdersPerCustomer(years, start, regime) * ROWS_PER_ORDER
  return Math.max(1, Math.round(rows / perCustomer))
}
