// The control plane's one PostgreSQL schema: PostgreSQL in production, PGlite in-process by
// default, the same migrations for both (control-plane/drizzle/).

import type { Channel, TelemetryServing } from '@fcv/core'
import { sql } from 'drizzle-orm'
import {
  bigserial,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core'

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  // node-postgres returns a Buffer that may be a view into a shared 8 KiB pool, PGlite a plain
  // Uint8Array: copy, so both drivers give the same plain, exactly sized Uint8Array.
  fromDriver: (value) => new Uint8Array(value),
})

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow()

export const ROLES = ['admin', 'publisher', 'reporter', 'viewer'] as const
export type Role = (typeof ROLES)[number]
export { CHANNELS, type Channel } from '@fcv/core'

/** Registered models mirrored from MLflow. */
export const models = pgTable('models', {
  name: text('name').primaryKey(),
  description: text('description'),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
})

/** Model versions mirrored from MLflow: where the files are, what produced them, how they scored. */
export const modelVersions = pgTable(
  'model_versions',
  {
    modelName: text('model_name')
      .notNull()
      .references(() => models.name),
    version: text('version').notNull(),
    source: text('source').notNull(),
    runId: text('run_id').notNull(),
    modelId: text('model_id'),
    status: text('status').notNull(),
    /** The version's `metric.*` tags as numbers (gini, rmse, sum_ratio...). */
    metrics: jsonb('metrics').$type<Record<string, number>>().notNull(),
    tags: jsonb('tags').$type<Record<string, string>>().notNull(),
    aliases: jsonb('aliases').$type<string[]>().notNull(),
    featureSpecVersion: text('feature_spec_version'),
    mlflowCreatedAt: timestamp('mlflow_created_at', { withTimezone: true }),
    syncedAt: timestamp('synced_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.modelName, t.version] })]
)

/** Signed bundles: the exact document served and pushed, content-addressed by its digest. */
export const bundles = pgTable(
  'bundles',
  {
    /** sha256 (hex) of the bundle document's bytes. */
    digest: text('digest').primaryKey(),
    modelName: text('model_name').notNull(),
    version: text('version').notNull(),
    keyId: text('key_id').notNull(),
    manifest: jsonb('manifest').$type<Record<string, unknown>>().notNull(),
    /** The signed bundle document (JSON bytes), served as is. */
    document: bytea('document').notNull(),
    size: integer('size').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('bundles_model_version').on(t.modelName, t.version)]
)

/** What serves where: one row per (model, channel). `revision` increases with every change. */
export const deployments = pgTable(
  'deployments',
  {
    modelName: text('model_name').notNull(),
    channel: text('channel').$type<Channel>().notNull(),
    revision: integer('revision').notNull(),
    championVersion: text('champion_version'),
    championBundle: text('champion_bundle').references(() => bundles.digest),
    canaryVersion: text('canary_version'),
    canaryBundle: text('canary_bundle').references(() => bundles.digest),
    /** Share of customers (0..1) routed to the canary by a stable hash of their id. */
    canaryShare: doublePrecision('canary_share').notNull().default(0),
    shadowVersion: text('shadow_version'),
    shadowBundle: text('shadow_bundle').references(() => bundles.digest),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelName, t.channel] })]
)

/** Every state a deployment has had, for rollback and history. */
export const deploymentRevisions = pgTable(
  'deployment_revisions',
  {
    modelName: text('model_name').notNull(),
    channel: text('channel').$type<Channel>().notNull(),
    revision: integer('revision').notNull(),
    championVersion: text('champion_version'),
    championBundle: text('champion_bundle'),
    canaryVersion: text('canary_version'),
    canaryBundle: text('canary_bundle'),
    canaryShare: doublePrecision('canary_share').notNull(),
    shadowVersion: text('shadow_version'),
    shadowBundle: text('shadow_bundle'),
    /** promote | rollback | canary | shadow */
    cause: text('cause').notNull(),
    createdAt: createdAt(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelName, t.channel, t.revision] })]
)

/**
 * Promotions as a journal: a row is written before any side effect and completed after the last,
 * so a crash leaves a record the retry (same Idempotency-Key) resumes. At most one promotion of a
 * model is in progress (partial unique index): a concurrent one is refused.
 */
export const promotions = pgTable(
  'promotions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    modelName: text('model_name').notNull(),
    version: text('version').notNull(),
    channel: text('channel').$type<Channel>().notNull(),
    /** in_progress | succeeded | failed */
    status: text('status').notNull(),
    idempotencyKey: text('idempotency_key'),
    /** sha256 of the request body, so a reused key with another body is refused. */
    requestHash: text('request_hash').notNull(),
    actor: text('actor').notNull(),
    reason: text('reason').notNull(),
    canaryShare: doublePrecision('canary_share'),
    forced: integer('forced').notNull().default(0),
    gates: jsonb('gates').$type<unknown>(),
    bundleDigest: text('bundle_digest'),
    result: jsonb('result').$type<unknown>(),
    error: text('error'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('promotions_one_in_progress')
      .on(t.modelName)
      .where(sql`${t.status} = 'in_progress'`),
    uniqueIndex('promotions_idempotency').on(t.idempotencyKey),
  ]
)

/** API tokens: only the SHA-256 of the secret is kept. */
export const tokens = pgTable('tokens', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  role: text('role').$type<Role>().notNull(),
  /** sha256 hex of the token; the token itself is shown once, at creation. */
  hash: text('hash').notNull().unique(),
  createdAt: createdAt(),
  createdBy: text('created_by').notNull(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
})

/** Who changed what, when and why; never updated or deleted. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    target: text('target').notNull(),
    reason: text('reason'),
    before: jsonb('before').$type<unknown>(),
    after: jsonb('after').$type<unknown>(),
    requestId: text('request_id'),
  },
  (t) => [index('audit_log_target').on(t.target), index('audit_log_at').on(t.at)]
)

/**
 * One row per telemetry report counted (edge worker isolate and window): its key makes a retried
 * or repeated report a duplicate across replicas; `serving` is what the isolate said it serves.
 */
export const telemetryReports = pgTable(
  'telemetry_reports',
  {
    /** JSON [isolate, window start, window end] with the instants as ISO 8601 UTC. */
    reportKey: text('report_key').primaryKey(),
    isolate: text('isolate').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    windowEnd: timestamp('window_end', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    colo: text('colo'),
    serving: jsonb('serving').$type<TelemetryServing[]>(),
  },
  (t) => [index('telemetry_reports_received_at').on(t.receivedAt)]
)

/**
 * Accepted telemetry summed per minute: one row per bucket start, source (edge | widget), channel,
 * model version, kind, name and bounds, whose counts (and n, sum) every report adds to. '' stands
 * for a label the kind does not have. The primary key leads with bucket_start, so time ranges and
 * the retention delete use it.
 */
export const telemetryBuckets = pgTable(
  'telemetry_buckets',
  {
    bucketStart: timestamp('bucket_start', { withTimezone: true }).notNull(),
    source: text('source').notNull(),
    channel: text('channel').notNull(),
    modelVersion: text('model_version').notNull(),
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    /** The bounds joined by ","; '' for a plain count. */
    boundsKey: text('bounds_key').notNull(),
    bounds: jsonb('bounds').$type<number[]>().notNull(),
    /** counts[i]: values in (bounds[i-1], bounds[i]]; the last: above all bounds. */
    counts: doublePrecision('counts').array().notNull(),
    n: doublePrecision('n').notNull(),
    /** null: not known (widget beacons carry no sums; plain counts have none). */
    sum: doublePrecision('sum'),
  },
  (t) => [
    primaryKey({
      name: 'telemetry_buckets_pk',
      columns: [t.bucketStart, t.source, t.channel, t.modelVersion, t.kind, t.name, t.boundsKey],
    }),
  ]
)
