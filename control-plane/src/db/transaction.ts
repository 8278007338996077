import type { Db, Tx } from './types.ts'

/** Runs a top-level transaction for a database that needs its own way (open.ts: PostgreSQL). */
export type TransactionRunner = <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>

const runners = new WeakMap<Db, TransactionRunner>()

/** Makes transaction() on `db` (not on its transactions: those are savepoints) use `runner`. */
export function runTransactionsWith(db: Db, runner: TransactionRunner): void {
  runners.set(db, runner)
}

/**
 * Runs `fn` in a transaction (a savepoint inside another): committed when it resolves, rolled
 * back when it throws. Repository functions accept the `tx` as their `db`.
 */
export function transaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const runner = runners.get(db)
  return runner ? runner(fn) : db.transaction(fn)
}
