// The history a page gives the widget, checked as the Worker checks a request's histories (core's
// checkWireTransactions: the same rules, the same messages), on a copy: the page's objects are
// never changed.

import {
  checkWireTransactions,
  isRecord,
  MAX_WIRE_TRANSACTIONS,
  ScoringInputError,
  type HistoryTransaction,
} from '@fcv/core'
import { WidgetError } from './errors.ts'

/** One customer's purchase history, in the wire form of the Worker's POST /v1/predict. */
export interface WidgetHistory {
  customerId: string
  /** Timestamps as epoch milliseconds or ISO 8601; amounts in integer minor units. */
  transactions: readonly unknown[]
}

export interface CheckedHistory {
  customerId: string
  transactions: HistoryTransaction[]
}

export function checkHistory(history: unknown): CheckedHistory {
  if (!isRecord(history)) throw invalid('history', 'must be an object { customerId, transactions }')
  const { customerId, transactions } = history
  if (typeof customerId !== 'string' || customerId === '' || customerId.length > 256) {
    throw invalid('history.customerId', 'must be a string of 1 to 256 characters')
  }
  if (!Array.isArray(transactions)) throw invalid('history.transactions', 'must be an array')
  if (transactions.length > MAX_WIRE_TRANSACTIONS) {
    throw invalid(
      'history.transactions',
      `has ${transactions.length} lines; at most ${MAX_WIRE_TRANSACTIONS}`
    )
  }
  const copy = transactions.map((t: unknown) => (isRecord(t) ? { ...t } : t))
  try {
    return {
      customerId,
      transactions: checkWireTransactions(copy, customerId, 'history.transactions'),
    }
  } catch (e) {
    if (e instanceof ScoringInputError) throw asWidgetError(e)
    throw e
  }
}

/**
 * A scorer's ScoringInputError as the page's error: its field named in the page's terms (the
 * scorer calls the one history it is given `items[0]`).
 */
export function asWidgetError(e: ScoringInputError): WidgetError {
  const reason = e.message.slice(e.field.length).replace(/^: /, '')
  return invalid(e.field.replace(/^items\[0\]\./, 'history.'), reason, e)
}

function invalid(field: string, reason: string, cause?: unknown): WidgetError {
  return new WidgetError('invalid_history', `${field}: ${reason}`, { field, cause })
}

/** A child <script type="application/json"> of the element, parsed; undefined when there is none. */
export function historyFromScript(host: Element): unknown {
  const script = host.querySelector(':scope > script[type="application/json"]')
  if (!script) return undefined
  try {
    return JSON.parse(script.textContent ?? '')
  } catch (cause) {
    throw new WidgetError(
      'invalid_history',
      `the <script type="application/json"> child is not JSON (${String(cause)})`,
      { field: 'script', cause }
    )
  }
}
