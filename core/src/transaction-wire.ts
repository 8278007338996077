// Transactions as fcv reads them, and the check of the wire form every runtime applies to histories
// that arrive from outside (edge requests, widget pages). Free of zod, so the widget's script stays
// small; TransactionSchema (transaction.ts) states the same rules as a schema, from the same limits.

import { ScoringInputError } from './scoring/errors.ts'

/** One line of a transaction log after ingest: a purchase (amount > 0) or a return (amount < 0). */
export interface Transaction {
  readonly customerId: string
  /** UTC epoch milliseconds. */
  readonly timestamp: number
  /** Net amount in integer minor units of the log's currency; negative for returns. */
  readonly amountMinor: number
  readonly orderId?: string | undefined
  readonly productId?: string | undefined
  readonly quantity?: number | undefined
  readonly unitPrice?: number | undefined
  readonly country?: string | undefined
}

/**
 * Epoch ms a shop's history can hold, by magnitude. Below 1e11 (1973-03-03 as ms, the year 5138 as
 * seconds) a number can only be epoch seconds; above year 9999 only micro- or nanoseconds.
 */
export const MIN_EPOCH_MS = 1e11
export const MAX_EPOCH_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

const SEND = 'send epoch milliseconds or an ISO 8601 date-time'
const asIso = (ms: number) => new Date(ms).toISOString()

/**
 * Why a numeric timestamp is not epoch ms, or undefined. A good one costs two comparisons and an
 * integer test; strings are built only for a wrong one.
 */
export function epochMsProblem(ts: number): string | undefined {
  const magnitude = Math.abs(ts)
  if (magnitude >= MIN_EPOCH_MS && magnitude <= MAX_EPOCH_MS) {
    return Number.isInteger(ts) ? undefined : 'must be integer epoch ms or ISO 8601'
  }
  if (!Number.isFinite(ts)) return 'must be integer epoch ms or ISO 8601'
  if (magnitude < MIN_EPOCH_MS) {
    return `${ts} looks like epoch seconds (${asIso(ts * 1e3)} as seconds); ${SEND}`
  }
  // Microseconds up to 1e17 (the year 5138); from there nanoseconds (1973 on).
  const [unit, perMs] = magnitude < 1e17 ? ['microseconds', 1e3] : ['nanoseconds', 1e6]
  if (magnitude / perMs > MAX_EPOCH_MS)
    return `${ts} is out of range in epoch ms, microseconds and nanoseconds; ${SEND}`
  return `${ts} looks like epoch ${unit} (${asIso(ts / perMs)} as ${unit}); ${SEND}`
}

/** The wire form's fields, and the bounds of its strings (TransactionSchema uses the same). */
export const WIRE_TRANSACTION_FIELDS = [
  'customerId',
  'timestamp',
  'amountMinor',
  'orderId',
  'productId',
  'quantity',
  'unitPrice',
  'country',
] as const
/** Lines of one customer's history that a request (edge) or a page (widget) may carry. */
export const MAX_WIRE_TRANSACTIONS = 100_000

export const WIRE_STRING_LIMITS = {
  customerId: 256,
  orderId: 256,
  productId: 256,
  country: 128,
} as const

/** A transaction of one customer's history: core's Transaction, its customer id optional. */
export type HistoryTransaction = Omit<Transaction, 'customerId'> & { readonly customerId?: string }

const isOptionalString = (v: unknown): boolean => v === undefined || typeof v === 'string'
const isOptionalFinite = (v: unknown): boolean =>
  v === undefined || (typeof v === 'number' && Number.isFinite(v))

/**
 * What is wrong with the values of one transaction as features compute with them, as
 * [".field" or "", message], or undefined. Called for every row, so it reads named properties and
 * builds no strings unless something is wrong.
 */
export function transactionProblem(t: HistoryTransaction): [string, string] | undefined {
  if (typeof t !== 'object' || t === null) return ['', 'must be an object']
  if (typeof t.timestamp !== 'number' || !Number.isFinite(t.timestamp)) {
    return ['.timestamp', 'must be finite epoch milliseconds (UTC)']
  }
  if (!Number.isSafeInteger(t.amountMinor)) {
    return [
      '.amountMinor',
      `${String(t.amountMinor)} is not an integer amount in minor currency units`,
    ]
  }
  if (!isOptionalString(t.orderId)) return ['.orderId', 'must be a string when given']
  if (!isOptionalString(t.productId)) return ['.productId', 'must be a string when given']
  if (!isOptionalString(t.country)) return ['.country', 'must be a string when given']
  if (!isOptionalFinite(t.quantity)) return ['.quantity', 'must be a finite number when given']
  if (!isOptionalFinite(t.unitPrice)) return ['.unitPrice', 'must be a finite number when given']
  return undefined
}

const WIRE_FIELDS: ReadonlySet<string> = new Set(WIRE_TRANSACTION_FIELDS)
const LENGTH_LIMITS = (['orderId', 'productId', 'country'] as const).map(
  (name) => [name, WIRE_STRING_LIMITS[name]] as const
)
/**
 * The regex behind zod's z.iso.datetime({ offset: true }), which TransactionSchema uses: one rule.
 * Written out rather than built by zod's regexes.datetime, whose builder (every precision and local
 * variant) cost the widget's script 0.4 KB; transaction.test.ts checks it is zod's, character for
 * character.
 */
export const ISO_DATE_TIME =
  /^(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|(?:02)-(?:0[1-9]|1\d|2[0-8])))T(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|([+-](?:[01]\d|2[0-3]):[0-5]\d)))$/

/**
 * One customer's transactions as they arrive from outside (edge requests, widget pages), checked
 * against TransactionSchema's rules without zod (which spent ~1.2 µs a line; requests carry
 * 100,000s): no unknown fields, customerId optional but the customer's own, timestamp integer epoch
 * ms (refused where it can only be seconds, micro- or nanoseconds: epochMsProblem) or ISO 8601 with
 * offset, string lengths bounded. In place: an ISO timestamp is replaced by its
 * epoch ms. `field` names the list in errors (ScoringInputError), e.g. "customers[3].transactions".
 */
export function checkWireTransactions(
  list: readonly unknown[],
  customerId: string,
  field: string
): HistoryTransaction[] {
  for (let k = 0; k < list.length; k++) {
    const t = list[k] as Record<string, unknown>
    const at = (name: string) => `${field}[${k}]${name}`
    if (typeof t !== 'object' || t === null || Array.isArray(t)) {
      throw new ScoringInputError(at(''), 'must be an object')
    }
    for (const key in t) {
      if (!WIRE_FIELDS.has(key)) throw new ScoringInputError(at(''), `Unrecognized key: "${key}"`)
    }
    const ts = t['timestamp']
    if (typeof ts === 'string') {
      if (!ISO_DATE_TIME.test(ts)) {
        throw new ScoringInputError(at('.timestamp'), 'must be epoch ms or an ISO 8601 date-time')
      }
      t['timestamp'] = Date.parse(ts)
    } else if (typeof ts === 'number') {
      const wrong = epochMsProblem(ts)
      if (wrong) throw new ScoringInputError(at('.timestamp'), wrong)
    }
    const wrong = transactionProblem(t as unknown as HistoryTransaction)
    if (wrong) throw new ScoringInputError(at(wrong[0]), wrong[1])
    if (t['customerId'] !== undefined && t['customerId'] !== customerId) {
      throw new ScoringInputError(at('.customerId'), 'differs from the customer it is listed under')
    }
    // Strings are known to be strings (or absent) here: only their lengths are left.
    for (const [name, max] of LENGTH_LIMITS) {
      const v = t[name] as string | undefined
      if (v !== undefined && v.length > max) {
        throw new ScoringInputError(at(`.${name}`), `must be at most ${max} characters`)
      }
    }
  }
  return list as HistoryTransaction[]
}
