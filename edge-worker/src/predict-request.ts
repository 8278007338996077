// The body of POST /v1/predict, validated field by field: a 400 names the first wrong field.

import {
  checkWireTransactions,
  MAX_WIRE_TRANSACTIONS,
  ScoringInputError,
  type HistoryTransaction,
} from '@fcv/core'
import { z } from 'zod'
import { ApiError } from './errors.ts'
import { pathOf } from './field-path.ts'
import type { FeatureValues } from './scoring.ts'

const MAX_FEATURES = 1024
const MAX_FEATURE_NAME = 128
const MAX_FEATURE_STRING = 256

const isFeatureValue = (v: unknown) =>
  typeof v === 'number'
    ? Number.isFinite(v)
    : typeof v === 'string' && v.length <= MAX_FEATURE_STRING

/**
 * The first problem of a customer's features, with its path below `features`: an array of 1 to 1,024
 * values, or an object of 1- to 128-character names, each value a finite number or a string of at
 * most 256 characters. A loop rather than a zod union per value: batch-100 requests carry 2,700
 * values, and the union took 0.12 ms of the 1.2 ms of CPU such a request costs the Worker.
 */
function featuresProblem(features: unknown): { path: PropertyKey[]; message: string } | undefined {
  const wrong = `must be a finite number or a string of at most ${MAX_FEATURE_STRING} characters`
  if (Array.isArray(features)) {
    if (features.length < 1 || features.length > MAX_FEATURES) {
      return { path: [], message: `must hold 1 to ${MAX_FEATURES} values` }
    }
    for (let i = 0; i < features.length; i++) {
      if (!isFeatureValue(features[i])) return { path: [i], message: wrong }
    }
    return undefined
  }
  if (typeof features !== 'object' || features === null) {
    return { path: [], message: 'must be an array of values or an object of named values' }
  }
  for (const [name, value] of Object.entries(features)) {
    if (name.length < 1 || name.length > MAX_FEATURE_NAME) {
      return { path: [name], message: `a name must have 1 to ${MAX_FEATURE_NAME} characters` }
    }
    if (!isFeatureValue(value)) return { path: [name], message: wrong }
  }
  return undefined
}

// Transactions are checked by core's checkWireTransactions, not by zod: a request may carry
// 100,000s of them, and zod spent ~1.2 µs on each (8x the scoring; 170 ms for 1,000 histories).
const CustomerSchema = z
  .strictObject({
    customerId: z.string().min(1).max(256),
    features: z.unknown().optional(),
    transactions: z.array(z.unknown()).max(MAX_WIRE_TRANSACTIONS).optional(),
  })
  .superRefine((customer, ctx) => {
    if ((customer.features === undefined) === (customer.transactions === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of features or transactions' })
      return
    }
    const problem = customer.features === undefined ? undefined : featuresProblem(customer.features)
    if (problem) {
      ctx.addIssue({
        code: 'custom',
        path: ['features', ...problem.path],
        message: problem.message,
      })
    }
  })

export const PredictRequestSchema = z.strictObject({
  customers: z.array(CustomerSchema).min(1),
  asOf: z.iso.datetime({ offset: true }).optional(),
})

export type PredictCustomer =
  | { customerId: string; features: FeatureValues; transactions?: undefined }
  | { customerId: string; features?: undefined; transactions: HistoryTransaction[] }

export interface PredictRequest {
  customers: PredictCustomer[]
  /** Epoch ms the histories are scored at. */
  asOf: number
}

/** One customer once: a second entry would be scored twice and answered twice, silently. */
function refuseDuplicates(customers: readonly { customerId: string }[]): void {
  const first = new Map<string, number>()
  for (let i = 0; i < customers.length; i++) {
    const id = customers[i]!.customerId
    const seen = first.get(id)
    if (seen === undefined) {
      first.set(id, i)
      continue
    }
    const field = `customers[${i}].customerId`
    throw new ApiError(
      400,
      'invalid_request',
      `${field}: ${JSON.stringify(id)} is also customers[${seen}].customerId; send each customer once`,
      { details: { field, duplicateOf: `customers[${seen}].customerId` } }
    )
  }
}

/** Validates a parsed body: 413 beyond maxCustomers (checked first, before the per-field walk), else 400s. */
export function parsePredictRequest(
  body: unknown,
  maxCustomers: number,
  now: number
): PredictRequest {
  const customers = (body as { customers?: unknown } | null)?.customers
  if (Array.isArray(customers) && customers.length > maxCustomers) {
    throw new ApiError(
      413,
      'too_many_customers',
      `customers: ${customers.length} given; at most ${maxCustomers} per request`,
      { details: { limit: maxCustomers } }
    )
  }
  const parsed = PredictRequestSchema.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const field = pathOf(issue.path) || '(body)'
    throw new ApiError(400, 'invalid_request', `${field}: ${issue.message}`, {
      details: { field, issues: parsed.error.issues.length },
    })
  }
  refuseDuplicates(parsed.data.customers)
  const asOf = parsed.data.asOf === undefined ? now : Date.parse(parsed.data.asOf)
  return {
    asOf,
    customers: parsed.data.customers.map((c, i) => {
      // featuresProblem has checked them
      if (!c.transactions)
        return { customerId: c.customerId, features: c.features as FeatureValues }
      try {
        const transactions = checkWireTransactions(
          c.transactions,
          c.customerId,
          `customers[${i}].transactions`
        )
        return { customerId: c.customerId, transactions }
      } catch (e) {
        if (!(e instanceof ScoringInputError)) throw e
        throw new ApiError(400, 'invalid_request', e.message, {
          details: { field: e.field, issues: 1 },
        })
      }
    }),
  }
}
