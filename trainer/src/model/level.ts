// The level of the forecast: how much the population at the cutoff spends in total over the horizon.
// The network learns it from its training windows, which lie in other seasons than the one it
// predicts (a spring forecast trained on autumn peaks) and, in a growing or decaying store, at
// other stages of the population's life. Last year's change across the same date corrects that,
// seasonal-naive, but only as far as that correction has worked before:
//
//   P_o      customers with a purchase before origin o (the population at o: no later arrivals)
//   rho(o)   P_o's spend in [o, o + H) / P_o's spend in [o - H, o): the change across o
//   target   P_t0's spend in [t0 - H, t0) x rho(t0 - 365 d)
//
// The check is a rolling origin inside the training period: at every training cutoff c whose
// year-ago windows the log holds, the seasonal forecast of P_c's next-horizon spend,
// spend(c - H, c) x rho(c - 365 d), is compared with the forecast of no adjustment, spend(c - H, c)
// times the training windows' own change before c (what a network fitted on those windows
// carries). Their mean squared log errors weigh the two: weight = e_none / (e_none + e_seasonal),
// so a correction that has not helped shrinks toward none, and with no origin to check it goes
// halfway. The scale (target / network total)^weight is folded into the head's mu bias (a lognormal
// scaled by s moves mu by log s), so the saved model is set for the H days after t0 as it stands and
// every runtime scores it alike. Only transactions before t0 are read.

import { DAY_MS, formatDay } from '@fcv/core'
import type { InterimColumns } from '../interim/index.ts'

/** One odd year must not move every prediction more than this factor either way. */
export const MAX_SCALE = 3
const YEAR_MS = 365 * DAY_MS

/** A population's spend across an origin o, in minor units. */
export interface SpendAcross {
  /** Spend in [o - H, o). */
  before: number
  /** Spend in [o, o + H). */
  after: number
}

/**
 * For each origin o, P_o's spend before and after it (P_o: customers with a purchase before o).
 * Transactions at or after `limit` are never read; `after` is only meaningful when o + H <= limit.
 */
export function spendAcross(
  tx: InterimColumns,
  origins: readonly number[],
  horizonMs: number,
  limit: number
): SpendAcross[] {
  const first = new Float64Array(tx.customerIds.length).fill(Number.POSITIVE_INFINITY)
  for (let i = 0; i < tx.length; i++) {
    const t = tx.timestamp[i] as number
    const c = tx.customer[i] as number
    if (t < limit && t < (first[c] as number)) first[c] = t
  }
  const out = origins.map(() => ({ before: 0, after: 0 }))
  for (let i = 0; i < tx.length; i++) {
    const t = tx.timestamp[i] as number
    if (t >= limit) continue
    const born = first[tx.customer[i] as number] as number
    const a = tx.amountMinor[i] as number
    origins.forEach((o, k) => {
      if (born >= o) return
      const s = out[k] as SpendAcross
      if (t >= o - horizonMs && t < o) s.before += a
      else if (t >= o && t < o + horizonMs) s.after += a
    })
  }
  return out
}

/** One origin of the rolling check: log errors of the two forecasts of P_c's spend after c. */
export interface LevelCheck {
  origin: string
  seasonal: number
  none: number
}

export type LevelAdjustment =
  | {
      applied: true
      /** Last year's change across the cutoff's date, on last year's population. */
      rho: number
      /** Target total and the network's total, major units. */
      target: number
      predicted: number
      /** How far the checks let the correction go (0: none, 1: all the way to the target). */
      weight: number
      scale: number
      checks: LevelCheck[]
    }
  | { applied: false; reason: string; checks: LevelCheck[] }

export interface LevelInputs {
  tx: InterimColumns
  t0: number
  horizonDays: number
  /** The training cutoffs (train and validation splits), ascending. */
  trainingCutoffs: readonly number[]
  /** The network's weighting of training windows by age (train.recency_half_life_days; 0: none). */
  halfLifeDays: number
  /** Sum of the network's expected values over the population at t0, major units. */
  networkTotal: number
}

const ratio = (s: SpendAcross) => s.after / s.before
const usable = (s: SpendAcross) => s.before > 0 && s.after > 0

/** The rolling-origin checks and the adjustment they allow. */
export function levelAdjustment(input: LevelInputs): LevelAdjustment {
  const { tx, t0, trainingCutoffs: cuts } = input
  const h = input.horizonDays * DAY_MS
  let logStart = Number.POSITIVE_INFINITY
  for (let i = 0; i < tx.length; i++) logStart = Math.min(logStart, tx.timestamp[i] as number)
  const scale = 10 ** tx.currencyExponent

  // Every origin read: t0 and the training cutoffs, and a year before each.
  const origins = [t0, ...cuts, t0 - YEAR_MS, ...cuts.map((c) => c - YEAR_MS)]
  const spend = spendAcross(tx, origins, h, t0)
  const at = (k: number) => spend[k] as SpendAcross
  const n = cuts.length
  const now = at(0)
  const train = (k: number) => at(1 + k)
  const yearAgo = (k: number) => at(2 + n + k) // k = -1: a year before t0
  const hasYearAgo = (origin: number) => origin - YEAR_MS - h >= logStart

  // The change the training windows show before origin c, weighted as the network weighs them.
  const trainingChange = (c: number): number | null => {
    let w = 0
    let sum = 0
    cuts.forEach((c2, k) => {
      if (c2 + h > c || !usable(train(k))) return
      const weight = input.halfLifeDays > 0 ? 0.5 ** ((c - c2) / DAY_MS / input.halfLifeDays) : 1
      w += weight
      sum += weight * Math.log(ratio(train(k)))
    })
    return w > 0 ? Math.exp(sum / w) : null
  }

  const checks: LevelCheck[] = []
  cuts.forEach((c, k) => {
    const s = train(k)
    const ago = yearAgo(k)
    const none = trainingChange(c)
    if (!hasYearAgo(c) || !usable(s) || !usable(ago) || none === null) return
    checks.push({
      origin: formatDay(c),
      seasonal: Math.log(ratio(ago) / ratio(s)),
      none: Math.log(none / ratio(s)),
    })
  })

  if (!hasYearAgo(t0)) {
    return {
      applied: false,
      reason: `the log starts less than 365 + ${input.horizonDays} days before the cutoff`,
      checks,
    }
  }
  const ago = yearAgo(-1)
  if (!usable(ago) || !(now.before > 0)) {
    return { applied: false, reason: 'no positive spend in a comparison window', checks }
  }
  if (!(input.networkTotal > 0)) {
    return { applied: false, reason: 'the model predicts no spend at all', checks }
  }
  const mse = (pick: (c: LevelCheck) => number) =>
    checks.reduce((a, c) => a + pick(c) ** 2, 0) / checks.length
  const weight =
    checks.length === 0
      ? 0.5
      : mse((c) => c.none) / Math.max(mse((c) => c.none) + mse((c) => c.seasonal), 1e-12)
  const rho = ratio(ago)
  const target = (now.before / scale) * rho
  const full = Math.min(MAX_SCALE, Math.max(1 / MAX_SCALE, target / input.networkTotal))
  return {
    applied: true,
    rho,
    target,
    predicted: input.networkTotal,
    weight,
    scale: full ** weight,
    checks,
  }
}
