// Storage errors the service maps to responses (409 and friends). Database errors reach us wrapped
// by drizzle (DrizzleQueryError, the driver's error as `cause`); pg and PGlite both report a unique
// violation as SQLSTATE 23505 with the violated index or constraint name.

import type { Channel } from './schema.ts'
import type { Promotion } from './types.ts'

/** A deployment changed since it was read: `expected` was the caller's revision, `actual` is current. */
export class RevisionConflictError extends Error {
  override readonly name = 'RevisionConflictError'
  readonly modelName: string
  readonly channel: Channel
  readonly expected: number
  readonly actual: number

  constructor(modelName: string, channel: Channel, expected: number, actual: number) {
    super(
      `deployment ${modelName}/${channel} is at revision ${actual}, not the expected ${expected}: ` +
        'it changed since it was read'
    )
    this.modelName = modelName
    this.channel = channel
    this.expected = expected
    this.actual = actual
  }
}

/** Another promotion of the model is in progress (`promotions_one_in_progress`). */
export class PromotionInProgressError extends Error {
  override readonly name = 'PromotionInProgressError'
  readonly modelName: string
  /** The promotion holding the slot, if it was still in progress when we looked. */
  readonly current: Promotion | undefined

  constructor(modelName: string, current: Promotion | undefined, options?: { cause?: unknown }) {
    const holder = current ? ` (${current.id}: version ${current.version} by ${current.actor})` : ''
    super(`a promotion of ${modelName} is already in progress${holder}`, options)
    this.modelName = modelName
    this.current = current
  }
}

/** The Idempotency-Key was used before (`promotions_idempotency`); `existing` is that promotion. */
export class IdempotencyKeyUsedError extends Error {
  override readonly name = 'IdempotencyKeyUsedError'
  readonly existing: Promotion

  constructor(existing: Promotion, options?: { cause?: unknown }) {
    super(
      `idempotency key ${existing.idempotencyKey} was already used by promotion ${existing.id} ` +
        `(${existing.status})`,
      options
    )
    this.existing = existing
  }
}

/**
 * The violated index or constraint name when `err` or one of its causes is a unique violation
 * (SQLSTATE 23505), else undefined.
 */
export function uniqueViolation(err: unknown): string | undefined {
  let e: unknown = err
  for (let depth = 0; e instanceof Object && depth < 5; depth++) {
    const { code, constraint, cause } = e as {
      code?: unknown
      constraint?: unknown
      cause?: unknown
    }
    if (code === '23505') return typeof constraint === 'string' ? constraint : ''
    e = cause
  }
  return undefined
}
