import type { Db, Tx } from './types.ts'

/**
 * Runs `fn` in a transaction (a savepoint inside another): committed when it resolves, rolled
 * back when it throws. Repository functions accept the `tx` as their `db`.
 */
export function transaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(fn)
}
