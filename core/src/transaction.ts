import { z } from 'zod'
// The wire form as a schema, for the servers' request validation and docs. The widget's path uses
// checkWireTransactions (transaction-wire.ts) instead, which applies the same rules without zod.
import { epochMsProblem, WIRE_STRING_LIMITS } from './transaction-wire.ts'

export * from './transaction-wire.ts'

/** The wire form, validated wherever transactions arrive from outside (edge, widget). */
export const TransactionSchema = z.object({
  customerId: z.string().min(1).max(WIRE_STRING_LIMITS.customerId),
  timestamp: z.number().refine((ts) => epochMsProblem(ts) === undefined, {
    error: (issue) => epochMsProblem(issue.input as number),
  }),
  amountMinor: z.number().int().refine(Number.isSafeInteger, 'must be a safe integer'),
  orderId: z.string().max(WIRE_STRING_LIMITS.orderId).optional(),
  productId: z.string().max(WIRE_STRING_LIMITS.productId).optional(),
  quantity: z.number().finite().optional(),
  unitPrice: z.number().finite().optional(),
  country: z.string().max(WIRE_STRING_LIMITS.country).optional(),
})
