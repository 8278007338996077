import { addDays } from '../time.ts'
import { lowerBound, type History } from './history.ts'

/**
 * The label at t0: net spend in [t0, t0 + horizonDays) in integer minor units, floored at 0 (a
 * customer who only returned goods is worth nothing, not less). Customers with no future purchase
 * get 0 and stay in the data.
 */
export function labelMinor(h: History, t0: number, horizonDays: number): number {
  const from = lowerBound(h, t0)
  const to = lowerBound(h, addDays(t0, horizonDays))
  let sum = 0
  for (let i = from; i < to; i++) sum += h.amountMinor[i] as number
  return sum > 0 ? sum : 0
}
