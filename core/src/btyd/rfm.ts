// The lifetimes-style summary (frequency, recency, T, monetary) of one customer at a cutoff, in days.
import { lowerBound, type History } from '../features/history.ts'
import { DAY_MS, utcDay } from '../time.ts'

/** One customer at cutoff t0; times in days. */
export interface RfmSummary {
  /** Repeat purchase days: distinct UTC days with a purchase row, minus one. */
  readonly x: number
  /** Whole days from the first to the last purchase day. */
  readonly tx: number
  /** Days from the start (00:00 UTC) of the first purchase day to t0, fractional. */
  readonly T: number
  /** Mean net spend (minor units) of the repeat purchase days; 0 when x = 0. */
  readonly monetary: number
}

/**
 * Summary of the rows before t0, or undefined when there is no purchase before t0 (the customer is
 * not in the population, as in computeFeatures).
 *
 * Conventions. A purchase is a row with amountMinor > 0; a purchase day is a UTC day with at least
 * one (as core/src/features counts them), and its value is the net of all that day's rows, returns
 * included. Return-only days count for nothing. Purchases are taken to happen at the start of their
 * day, so t_x and T share one origin and t_x < T always. When t0 is 00:00 UTC, T is a whole number
 * and one more than lifetimes' T (lifetimes' observation_period_end is the last observed day, t0 is
 * the first unobserved instant).
 */
export function rfmSummary(h: History, t0: number): RfmSummary | undefined {
  return rfmSummariesAtCutoffs(h, [t0])[0]
}

/** rfmSummary at each of `cutoffs` (ascending), in one pass over the rows. */
export function rfmSummariesAtCutoffs(
  h: History,
  cutoffs: readonly number[]
): (RfmSummary | undefined)[] {
  const out: (RfmSummary | undefined)[] = []
  const last = cutoffs.length > 0 ? (cutoffs[cutoffs.length - 1] as number) : Number.NaN
  const end = lowerBound(h, last)
  let firstDay = Number.NaN
  let lastDay = Number.NaN
  let days = 0
  let repeatSpend = 0
  // The current day's net and whether it has a purchase; closed when the day changes.
  let day = Number.NaN
  let dayNet = 0
  let dayHasPurchase = false
  // The summary at t0 of the closed days plus the open one (its rows before t0 are all read).
  const summaryAt = (t0: number): RfmSummary | undefined => {
    const open = dayHasPurchase ? 1 : 0
    const n = days + open
    if (n === 0) return undefined
    const first = days > 0 ? firstDay : day
    const x = n - 1
    const spend = repeatSpend + (open && days > 0 ? dayNet : 0)
    return {
      x,
      tx: (open ? day : lastDay) - first,
      T: (t0 - first * DAY_MS) / DAY_MS,
      monetary: x > 0 ? spend / x : 0,
    }
  }
  let k = 0
  for (let i = h.start; ; i++) {
    const t = i < end ? (h.timestamp[i] as number) : Number.POSITIVE_INFINITY
    while (k < cutoffs.length && (cutoffs[k] as number) <= t) {
      out.push(summaryAt(cutoffs[k] as number))
      k++
    }
    if (i >= end) break
    const d = utcDay(t)
    if (d !== day) {
      if (dayHasPurchase) {
        if (days === 0) firstDay = day
        else repeatSpend += dayNet
        lastDay = day
        days++
      }
      day = d
      dayNet = 0
      dayHasPurchase = false
    }
    const amount = h.amountMinor[i] as number
    dayNet += amount
    if (amount > 0) dayHasPurchase = true
  }
  return out
}
