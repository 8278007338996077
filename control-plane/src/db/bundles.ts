// Signed bundles, content-addressed by the sha256 of their document.

import { and, desc, eq } from 'drizzle-orm'
import { bundles } from './schema.ts'
import type { Bundle, Db, NewBundle } from './types.ts'

/**
 * Stores a bundle once: a digest already present is left as it is and returned with
 * `created: false` (same digest, same bytes).
 */
export async function insertBundle(
  db: Db,
  bundle: NewBundle
): Promise<{ bundle: Bundle; created: boolean }> {
  const [inserted] = await db.insert(bundles).values(bundle).onConflictDoNothing().returning()
  if (inserted) return { bundle: inserted, created: true }
  const existing = await getBundle(db, bundle.digest)
  if (!existing) throw new Error(`bundle ${bundle.digest} neither inserted nor found`)
  return { bundle: existing, created: false }
}

export async function getBundle(db: Db, digest: string): Promise<Bundle | undefined> {
  const [row] = await db.select().from(bundles).where(eq(bundles.digest, digest))
  return row
}

/** The newest bundle signed for a model version (re-signing with a new key adds another). */
export async function getBundleFor(
  db: Db,
  modelName: string,
  version: string
): Promise<Bundle | undefined> {
  const [row] = await db
    .select()
    .from(bundles)
    .where(and(eq(bundles.modelName, modelName), eq(bundles.version, version)))
    .orderBy(desc(bundles.createdAt), desc(bundles.digest))
    .limit(1)
  return row
}
