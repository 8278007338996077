// The tiers attribute: "0:Bronze, 100:Silver, 500:Gold" (expected value in major units, at or above
// which a customer is in the tier). The highest tier whose threshold the value reaches wins.

import { WidgetError } from './errors.ts'

export interface Tier {
  min: number
  label: string
}

export function parseTiers(text: string | null): Tier[] {
  if (!text) return []
  const tiers = text.split(',').map((part) => {
    const at = part.indexOf(':')
    const min = Number(part.slice(0, at))
    const label = part.slice(at + 1).trim()
    if (at < 0 || part.slice(0, at).trim() === '' || !Number.isFinite(min) || !label) {
      throw new WidgetError('config', `tiers: "${part.trim()}" is not <minimum value>:<label>`)
    }
    return { min, label }
  })
  return tiers.sort((a, b) => a.min - b.min)
}

export function tierOf(tiers: readonly Tier[], value: number): Tier | null {
  let found: Tier | null = null
  for (const t of tiers) if (value >= t.min) found = t
  return found
}
