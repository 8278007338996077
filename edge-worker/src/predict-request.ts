// The body of POST /v1/predict, validated field by field: a 400 names the first wrong field.

import { TransactionSchema, type Transaction } from '@fcv/core'
import { z } from 'zod'
import { ApiError } from './errors.ts'
import type { FeatureValues } from './scoring.ts'

const FeatureValueSchema = z.union([z.number().finite(), z.string().max(256)])

const FeaturesSchema = z.union([
  z.array(FeatureValueSchema).min(1).max(1024),
  z.record(z.string().min(1).max(128), FeatureValueSchema),
])

/** A transaction inside a customer: the customer id may be left out; a timestamp may be ISO 8601. */
const RequestTransactionSchema = TransactionSchema.extend({
  customerId: TransactionSchema.shape.customerId.optional(),
  timestamp: z.union([
    TransactionSchema.shape.timestamp,
    z.iso.datetime({ offset: true }).transform((iso) => Date.parse(iso)),
  ]),
})

const CustomerSchema = z
  .strictObject({
    customerId: z.string().min(1).max(256),
    features: FeaturesSchema.optional(),
    transactions: z.array(RequestTransactionSchema).max(100_000).optional(),
  })
  .superRefine((customer, ctx) => {
    if ((customer.features === undefined) === (customer.transactions === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of features or transactions' })
    }
    customer.transactions?.forEach((t, i) => {
      if (t.customerId !== undefined && t.customerId !== customer.customerId) {
        ctx.addIssue({
          code: 'custom',
          path: ['transactions', i, 'customerId'],
          message: 'differs from the customer it is listed under',
        })
      }
    })
  })

export const PredictRequestSchema = z.strictObject({
  customers: z.array(CustomerSchema).min(1),
  asOf: z.iso.datetime({ offset: true }).optional(),
})

export type PredictCustomer =
  | { customerId: string; features: FeatureValues; transactions?: undefined }
  | { customerId: string; features?: undefined; transactions: Transaction[] }

export interface PredictRequest {
  customers: PredictCustomer[]
  /** Epoch ms the histories are scored at. */
  asOf: number
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

function pathOf(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) =>
      typeof part === 'number'
        ? `[${part}]`
        : IDENTIFIER.test(String(part))
          ? `${i === 0 ? '' : '.'}${String(part)}`
          : `[${JSON.stringify(String(part))}]`
    )
    .join('')
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
  const asOf = parsed.data.asOf === undefined ? now : Date.parse(parsed.data.asOf)
  return {
    asOf,
    customers: parsed.data.customers.map((c) =>
      c.transactions
        ? {
            customerId: c.customerId,
            transactions: c.transactions.map((t) => ({ ...t, customerId: c.customerId })),
          }
        : { customerId: c.customerId, features: c.features! }
    ),
  }
}
