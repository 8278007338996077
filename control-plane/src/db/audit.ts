// The audit log: appended, never updated or deleted.

import { and, desc, eq } from 'drizzle-orm'
import { auditLog } from './schema.ts'
import type { AuditEntry, Db, NewAuditEntry } from './types.ts'

export interface AuditQuery {
  target?: string
  action?: string
  limit?: number
  offset?: number
}

export async function appendAudit(db: Db, entry: NewAuditEntry): Promise<AuditEntry> {
  const [row] = await db.insert(auditLog).values(entry).returning()
  return row!
}

/** Entries newest first, optionally for one target and/or action. */
export async function listAudit(db: Db, query: AuditQuery = {}): Promise<AuditEntry[]> {
  const { target, action, limit = 100, offset = 0 } = query
  return db
    .select()
    .from(auditLog)
    .where(
      and(
        target === undefined ? undefined : eq(auditLog.target, target),
        action === undefined ? undefined : eq(auditLog.action, action)
      )
    )
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(limit)
    .offset(offset)
}
