// The promotions journal: a row is written before any side effect and completed after the last.
// Leases are measured on the database clock, so replicas with skewed clocks agree on expiry.

import { and, eq, lt, sql } from 'drizzle-orm'
import { IdempotencyKeyUsedError, PromotionInProgressError, uniqueViolation } from './errors.ts'
import { promotions, type Channel } from './schema.ts'
import { transaction } from './transaction.ts'
import type { Db, Promotion } from './types.ts'

export interface NewPromotion {
  modelName: string
  version: string
  channel: Channel
  idempotencyKey?: string | null
  /** sha256 of the request body */
  requestHash: string
  actor: string
  reason: string
  canaryShare?: number | null
  forced?: number
  gates?: unknown
  /** How long the caller owns the promotion before another may take it over. */
  leaseMs: number
}

export type PromotionOutcome =
  { status: 'succeeded'; result: unknown } | { status: 'failed'; error: string; result?: unknown }

const leaseFromNow = (ms: number) => sql`now() + ${ms}::float8 * interval '1 millisecond'`
const byId = (id: string) => eq(promotions.id, id)
const inProgress = eq(promotions.status, 'in_progress')

/**
 * Records a promotion as in progress. Throws IdempotencyKeyUsedError when its key was used before
 * (checked first, so a retry is recognised while its original still runs) and
 * PromotionInProgressError when another promotion of the model is in progress.
 */
export async function beginPromotion(db: Db, promotion: NewPromotion): Promise<Promotion> {
  const { leaseMs, ...values } = promotion
  try {
    // A savepoint when `db` is a transaction: the caller's transaction survives the violation.
    return await transaction(db, async (tx) => {
      const [row] = await tx
        .insert(promotions)
        .values({ ...values, status: 'in_progress', leaseUntil: leaseFromNow(leaseMs) })
        .returning()
      return row!
    })
  } catch (err) {
    const violated = uniqueViolation(err)
    if (violated === undefined) throw err
    const key = promotion.idempotencyKey
    const existing = key == null ? undefined : await getPromotionByKey(db, key)
    if (existing) throw new IdempotencyKeyUsedError(existing, { cause: err })
    if (violated === 'promotions_one_in_progress') {
      const current = await getPromotionInProgress(db, promotion.modelName)
      throw new PromotionInProgressError(promotion.modelName, current, { cause: err })
    }
    throw err
  }
}

export async function getPromotion(db: Db, id: string): Promise<Promotion | undefined> {
  const [row] = await db.select().from(promotions).where(byId(id))
  return row
}

export async function getPromotionByKey(db: Db, key: string): Promise<Promotion | undefined> {
  const [row] = await db.select().from(promotions).where(eq(promotions.idempotencyKey, key))
  return row
}

export async function getPromotionInProgress(
  db: Db,
  modelName: string
): Promise<Promotion | undefined> {
  const [row] = await db
    .select()
    .from(promotions)
    .where(and(eq(promotions.modelName, modelName), inProgress))
  return row
}

/** Notes what an in-progress promotion has done so far (gate results, the signed bundle). */
export async function recordPromotionProgress(
  db: Db,
  id: string,
  progress: { gates?: unknown; bundleDigest?: string | null }
): Promise<Promotion | undefined> {
  const [row] = await db
    .update(promotions)
    .set({ ...progress, updatedAt: sql`now()` })
    .where(and(byId(id), inProgress))
    .returning()
  return row
}

/** Ends an in-progress promotion; undefined when it is not (or no longer) in progress. */
export async function completePromotion(
  db: Db,
  id: string,
  outcome: PromotionOutcome
): Promise<Promotion | undefined> {
  const error = outcome.status === 'failed' ? outcome.error : null
  const [row] = await db
    .update(promotions)
    .set({ status: outcome.status, result: outcome.result ?? null, error, updatedAt: sql`now()` })
    .where(and(byId(id), inProgress))
    .returning()
  return row
}

/**
 * Takes over an in-progress promotion whose lease has expired (its owner died or hung), with a new
 * lease; undefined when it is not in progress or its lease still runs. Of two racing callers,
 * one wins.
 */
export async function takeOverPromotion(
  db: Db,
  id: string,
  leaseMs: number
): Promise<Promotion | undefined> {
  const [row] = await db
    .update(promotions)
    .set({ leaseUntil: leaseFromNow(leaseMs), updatedAt: sql`now()` })
    .where(and(byId(id), inProgress, lt(promotions.leaseUntil, sql`now()`)))
    .returning()
  return row
}
