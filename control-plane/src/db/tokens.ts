// API tokens, stored as the SHA-256 of the secret (hashing is the caller's).

import { and, asc, eq, isNull, sql } from 'drizzle-orm'
import { tokens, type Role } from './schema.ts'
import type { Db, Token } from './types.ts'

/** A taken name or hash surfaces as a unique violation (`tokens_name_unique`, `tokens_hash_unique`). */
export async function insertToken(
  db: Db,
  token: { name: string; role: Role; hash: string; createdBy: string }
): Promise<Token> {
  const [row] = await db.insert(tokens).values(token).returning()
  return row!
}

/** The token with this hash, unless revoked. */
export async function findActiveToken(db: Db, hash: string): Promise<Token | undefined> {
  const [row] = await db
    .select()
    .from(tokens)
    .where(and(eq(tokens.hash, hash), isNull(tokens.revokedAt)))
  return row
}

/** Revokes the named token; undefined when there is none or it was already revoked. */
export async function revokeToken(db: Db, name: string): Promise<Token | undefined> {
  const [row] = await db
    .update(tokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(tokens.name, name), isNull(tokens.revokedAt)))
    .returning()
  return row
}

/** Every token, revoked ones included, by name. */
export async function listTokens(db: Db): Promise<Token[]> {
  return db.select().from(tokens).orderBy(asc(tokens.name))
}

export async function touchToken(db: Db, id: string): Promise<void> {
  await db
    .update(tokens)
    .set({ lastUsedAt: sql`now()` })
    .where(eq(tokens.id, id))
}
