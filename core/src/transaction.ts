import { z } from 'zod'

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

/** The wire form, validated wherever transactions arrive from outside (edge, widget). */
export const TransactionSchema = z.object({
  customerId: z.string().min(1).max(256),
  timestamp: z.number().int().finite(),
  amountMinor: z.number().int().refine(Number.isSafeInteger, 'must be a safe integer'),
  orderId: z.string().max(256).optional(),
  productId: z.string().max(256).optional(),
  quantity: z.number().finite().optional(),
  unitPrice: z.number().finite().optional(),
  country: z.string().max(128).optional(),
})
