// Which customers an export holds: those named, and/or N picked across the range of value so a demo
// shows different tiers. Works on per-customer totals before asOf, so nothing after asOf can steer
// the choice.

import type { InterimColumns } from '../interim/index.ts'

/** A problem with the request or the input; the message is the whole story (no stack trace). */
export class ExportError extends Error {
  override name = 'ExportError'
}

/** Customers per export: a page's worth, and far below the edge's per-request limit. */
export const MAX_CUSTOMERS = 50
/**
 * Transactions per customer (lines before asOf). A longer history is refused when named and never
 * picked rather than cut: a truncated history would score differently from the real customer.
 */
export const MAX_TRANSACTIONS = 2000
/** Returns worth at least this share of purchases make a customer returns-heavy. */
export const RETURNS_HEAVY_SHARE = 0.25

/** One customer's lines before asOf, summed. Amounts in minor units. */
export interface CustomerTotals {
  customerId: string
  lines: number
  /** Net: purchases minus returns. */
  spendMinor: number
  purchasedMinor: number
  /** Positive: the value of return lines. */
  returnedMinor: number
}

export type Columns = Pick<
  InterimColumns,
  'length' | 'customer' | 'customerIds' | 'timestamp' | 'amountMinor'
>

/** Totals before asOf for every customer in the columns, including those with no line before it. */
export function totalsBefore(cols: Columns, asOf: number): CustomerTotals[] {
  const totals = cols.customerIds.map((customerId): CustomerTotals => ({
    customerId,
    lines: 0,
    spendMinor: 0,
    purchasedMinor: 0,
    returnedMinor: 0,
  }))
  for (let i = 0; i < cols.length; i++) {
    if ((cols.timestamp[i] as number) >= asOf) continue
    const t = totals[cols.customer[i] as number] as CustomerTotals
    const a = cols.amountMinor[i] as number
    t.lines++
    t.spendMinor += a
    if (a > 0) t.purchasedMinor += a
    else t.returnedMinor -= a
  }
  return totals
}

export type Reason = 'named' | 'tier' | 'returns-heavy'

export interface Chosen {
  totals: CustomerTotals
  reason: Reason
}

export interface ChoiceRequest {
  /** Customer ids in the order wanted. */
  named: readonly string[]
  /** How many more to pick (0: none). */
  pick: number
  /** For messages: the input file and asOf as ISO. */
  input: string
  asOfIso: string
}

const byId = (a: CustomerTotals, b: CustomerTotals) =>
  a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0

function isReturnsHeavy(t: CustomerTotals): boolean {
  return t.returnedMinor > 0 && t.returnedMinor >= RETURNS_HEAVY_SHARE * t.purchasedMinor
}

function checkNamed(totals: Map<string, CustomerTotals>, r: ChoiceRequest): CustomerTotals[] {
  const seen = new Set<string>()
  return r.named.map((id) => {
    if (id === '') throw new ExportError('--customers: an empty customer id (check the commas)')
    if (seen.has(id)) throw new ExportError(`--customers: customer "${id}" is named twice`)
    seen.add(id)
    const t = totals.get(id)
    if (t === undefined) throw new ExportError(`customer "${id}" is not in ${r.input}`)
    if (t.purchasedMinor <= 0) {
      throw new ExportError(
        `customer "${id}" has no purchase before ${r.asOfIso}, so the model cannot score them; ` +
          'choose another customer or a later --as-of'
      )
    }
    if (t.lines > MAX_TRANSACTIONS) {
      throw new ExportError(
        `customer "${id}" has ${t.lines} transactions before ${r.asOfIso}; ` +
          `an export holds at most ${MAX_TRANSACTIONS} per customer`
      )
    }
    return t
  })
}

/**
 * Up to `pick` customers: with 2 or more, the returns-heavy customer with the most returned value
 * (if any), then the rest ranked by net spend and split into equal tiers, taking the median
 * customer of each tier, lowest tier first. Deterministic: ties break on the id.
 */
function pickSpread(candidates: CustomerTotals[], pick: number, r: ChoiceRequest): Chosen[] {
  let heavy: CustomerTotals | undefined
  if (pick >= 2) {
    for (const t of candidates) {
      if (!isReturnsHeavy(t)) continue
      if (!heavy || t.returnedMinor > heavy.returnedMinor) heavy = t
    }
  }
  const ranked = candidates
    .filter((t) => t !== heavy)
    .sort((a, b) => a.spendMinor - b.spendMinor || byId(a, b))
  const tiers = heavy ? pick - 1 : pick
  if (ranked.length < tiers) {
    throw new ExportError(
      `--pick ${pick}: only ${candidates.length} more customers have a purchase before ` +
        `${r.asOfIso} and at most ${MAX_TRANSACTIONS} transactions`
    )
  }
  // Consecutive medians are ranked.length / tiers >= 1 apart, so no customer is taken twice.
  const chosen: Chosen[] = Array.from({ length: tiers }, (_, i) => ({
    totals: ranked[Math.floor(((i + 0.5) * ranked.length) / tiers)] as CustomerTotals,
    reason: 'tier',
  }))
  if (heavy) chosen.push({ totals: heavy, reason: 'returns-heavy' })
  return chosen
}

/** The customers to export, named ones first in the order given, then the picked ones. */
export function chooseCustomers(totals: readonly CustomerTotals[], r: ChoiceRequest): Chosen[] {
  if (!Number.isSafeInteger(r.pick) || r.pick < 0) {
    throw new ExportError(`--pick must be a whole number, got ${r.pick}`)
  }
  const count = r.named.length + r.pick
  if (count === 0) throw new ExportError('give --customers id1,id2,... and/or --pick N')
  if (count > MAX_CUSTOMERS) {
    throw new ExportError(`${count} customers asked for; an export holds at most ${MAX_CUSTOMERS}`)
  }
  const index = new Map(totals.map((t) => [t.customerId, t]))
  const named = checkNamed(index, r)
  const taken = new Set(named)
  const candidates = totals.filter(
    (t) => t.purchasedMinor > 0 && t.lines <= MAX_TRANSACTIONS && !taken.has(t)
  )
  return [
    ...named.map((t): Chosen => ({ totals: t, reason: 'named' })),
    ...(r.pick > 0 ? pickSpread(candidates, r.pick, r) : []),
  ]
}
