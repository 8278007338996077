// The one drizzle type every repository function takes: a PostgreSQL (node-postgres) database, a
// PGlite database, or a transaction on either.

import type { ExtractTablesWithRelations } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core'
import type * as schema from './schema.ts'

export type Schema = typeof schema
export type Db = PgDatabase<PgQueryResultHKT, Schema>
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>

export type Model = typeof schema.models.$inferSelect
export type ModelVersion = typeof schema.modelVersions.$inferSelect
export type NewModelVersion = Omit<typeof schema.modelVersions.$inferInsert, 'syncedAt'>
export type Bundle = typeof schema.bundles.$inferSelect
export type NewBundle = Omit<typeof schema.bundles.$inferInsert, 'createdAt'>
export type Deployment = typeof schema.deployments.$inferSelect
export type DeploymentRevision = typeof schema.deploymentRevisions.$inferSelect
export type Promotion = typeof schema.promotions.$inferSelect
export type Token = typeof schema.tokens.$inferSelect
export type AuditEntry = typeof schema.auditLog.$inferSelect
export type NewAuditEntry = Omit<typeof schema.auditLog.$inferInsert, 'id' | 'at'>
