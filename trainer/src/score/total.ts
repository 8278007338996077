// The total expected value over the customers scored, and an interval for it.
//
// The interval is a normal approximation, not a Monte Carlo of the sum. Customers' ZILN
// distributions are independent, so the total's mean and variance are the sums of theirs (core's
// zilnVariance, the variance of the distribution each `expected` is the mean of), and the sum over
// thousands of customers is close to normal (central limit theorem). Those two sums cost two
// additions per customer and add up exactly across passes and shards, so the summaries of shards
// combine into the whole's; a seeded Monte Carlo would cost draws x customers and its quantiles
// would not combine. The caveat: lognormal tails are heavy, so the sum is skewed to the right and
// its true P10 and P90 lie a little above the normal's (simulating 2,000 customers like the
// sample's, 7-9% of sums fell below P10 and 9-10% above P90: total.test.ts), the more so with few
// customers or a few whose variance dominates. P10 is floored at 0, which a sum of non-negative
// values cannot go below.

import { normalQuantile } from '@fcv/core'

export const TOTAL_INTERVAL_METHOD =
  'normal approximation: mean and variance of the sum of independent ZILN distributions ' +
  '(the sums of the customers\u2019 own), P10 and P90 of the normal with them (P10 at least 0)'

export interface Total {
  /** The sum of the customers' expected values. */
  expected: number
  /** The sum of their variances. */
  variance: number
  sd: number
  p10: number
  p90: number
}

const Z90 = normalQuantile(0.9)

/** Sums in the order values are added, so `expected` is exactly the sum of the file's column. */
export class TotalAccumulator {
  private expected = 0
  private variance = 0

  add(expected: ArrayLike<number>, variance: ArrayLike<number>): void {
    for (let i = 0; i < expected.length; i++) {
      this.expected += expected[i] as number
      this.variance += variance[i] as number
    }
  }

  total(): Total {
    return totalOf(this.expected, this.variance)
  }
}

/** The interval for a total of mean `expected` and variance `variance`. */
export function totalOf(expected: number, variance: number): Total {
  const sd = Math.sqrt(variance)
  return {
    expected,
    variance,
    sd,
    p10: Math.max(0, expected - Z90 * sd),
    p90: expected + Z90 * sd,
  }
}
