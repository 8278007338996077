// The one storage test suite, run against every driver (pglite.test.ts, postgres.test.ts): each
// repository function, the optimistic revision check, the promotion journal's uniqueness errors,
// migrations, and the column types that differ between drivers (jsonb, bytea, timestamptz).

import { readFileSync } from 'node:fs'
import path from 'node:path'
import { getTableName, is, sql, type SQL } from 'drizzle-orm'
import { PgTable } from 'drizzle-orm/pg-core'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { appendAudit, listAudit } from './audit.ts'
import { getBundle, getBundleFor, insertBundle } from './bundles.ts'
import {
  getDeployment,
  getDeploymentRevision,
  listDeploymentRevisions,
  listDeployments,
  writeDeployment,
  type DeploymentState,
} from './deployments.ts'
import {
  IdempotencyKeyUsedError,
  PromotionInProgressError,
  RevisionConflictError,
  uniqueViolation,
} from './errors.ts'
import { getModel, getModelVersion, listModels, upsertModel, upsertModelVersion } from './models.ts'
import { DEFAULT_MIGRATIONS_FOLDER, type Database } from './open.ts'
import {
  beginPromotion,
  completePromotion,
  getPromotion,
  getPromotionByKey,
  getPromotionInProgress,
  recordPromotionProgress,
  takeOverPromotion,
  type NewPromotion,
} from './promotions.ts'
import * as schema from './schema.ts'
import { findActiveToken, insertToken, listTokens, revokeToken, touchToken } from './tokens.ts'
import { transaction } from './transaction.ts'
import type { Db, NewModelVersion } from './types.ts'

const tables = Object.values(schema).filter((t) => is(t, PgTable))

/** Empties every table of the schema (faster than re-creating it between tests). */
export async function truncateAll(db: Db): Promise<void> {
  const names = tables.map((t) => `"${getTableName(t)}"`).join(', ')
  await db.execute(sql.raw(`truncate ${names} restart identity cascade`))
}

/** Rows of a raw query: pg's QueryResult and PGlite's Results both carry `rows`. */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  return ((await db.execute(query)) as { rows: T[] }).rows
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}

const version = (v: string, extra: Partial<NewModelVersion> = {}): NewModelVersion => ({
  modelName: 'clv',
  version: v,
  source: `models:/m-${v}`,
  runId: `run-${v}`,
  status: 'READY',
  metrics: { gini: 0.61, rmse: 123.456789, sum_ratio: 1.0000001 },
  tags: { 'metric.gini': '0.61' },
  aliases: ['challenger'],
  ...extra,
})

const bytes = (n: number, seed = 7) =>
  Uint8Array.from({ length: n }, (_, i) => (i * seed + 3) % 256)

const bundle = (digest: string, v = '1', document = bytes(64)) => ({
  digest,
  modelName: 'clv',
  version: v,
  keyId: 'k1',
  manifest: { name: 'clv', version: v, spec: { features: ['recency', 'frequency'] }, n: 1.5 },
  document,
  size: document.length,
})

const state = (extra: Partial<DeploymentState> = {}): DeploymentState => ({
  championVersion: '1',
  championBundle: null,
  canaryVersion: null,
  canaryBundle: null,
  canaryShare: 0,
  shadowVersion: null,
  shadowBundle: null,
  ...extra,
})

const promotion = (extra: Partial<NewPromotion> = {}): NewPromotion => ({
  modelName: 'clv',
  version: '2',
  channel: 'edge',
  idempotencyKey: 'key-1',
  requestHash: 'h1',
  actor: 'alice',
  reason: 'better gini',
  leaseMs: 60_000,
  ...extra,
})

export function storageSuite(name: string, open: () => Promise<Database>): void {
  describe(`storage on ${name}`, () => {
    let database: Database
    let db: Db

    beforeAll(async () => {
      database = await open()
      await database.migrate()
      db = database.db
    }, 120_000)
    afterAll(() => database?.close())
    beforeEach(() => truncateAll(db))

    describe('database', () => {
      test('ping answers', async () => {
        await expect(database.ping()).resolves.toBeUndefined()
      })

      test('migrate() again is a no-op that keeps the data', async () => {
        await upsertModel(db, { name: 'clv' })
        const journal = JSON.parse(
          readFileSync(path.join(DEFAULT_MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')
        ) as { entries: unknown[] }
        await database.migrate()
        await Promise.all([database.migrate(), database.migrate()])
        const applied = await queryRows<{ n: number }>(
          db,
          sql`select count(*)::int as n from drizzle.__drizzle_migrations`
        )
        expect(applied).toEqual([{ n: journal.entries.length }])
        expect(await getModel(db, 'clv')).toBeDefined()
      })

      test('transaction() commits on success and rolls back on a throw', async () => {
        await transaction(db, async (tx) => {
          await upsertModel(tx, { name: 'kept' })
        })
        const err = await rejection(
          transaction(db, async (tx) => {
            await upsertModel(tx, { name: 'dropped' })
            throw new Error('boom')
          })
        )
        expect((err as Error).message).toBe('boom')
        expect((await listModels(db)).map((m) => m.name)).toEqual(['kept'])
      })
    })

    describe('models', () => {
      test('upsertModel creates, then updates the description; omitted keeps it', async () => {
        const created = await upsertModel(db, { name: 'clv', description: 'first' })
        expect(created).toMatchObject({ name: 'clv', description: 'first' })
        expect(created.createdAt).toBeInstanceOf(Date)
        expect(created.updatedAt).toBeInstanceOf(Date)
        expect((await upsertModel(db, { name: 'clv', description: 'second' })).description).toBe(
          'second'
        )
        const touched = await upsertModel(db, { name: 'clv' })
        expect(touched.description).toBe('second')
        expect(touched.createdAt).toEqual(created.createdAt)
        expect(touched.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime())
        expect(await getModel(db, 'nope')).toBeUndefined()
      })

      test('upsertModelVersion inserts, then overwrites from a later sync (jsonb, timestamps)', async () => {
        await upsertModel(db, { name: 'clv' })
        const mlflowCreatedAt = new Date('2026-03-04T05:06:07.089Z')
        const first = await upsertModelVersion(db, version('1', { mlflowCreatedAt }))
        expect(first.metrics).toEqual({ gini: 0.61, rmse: 123.456789, sum_ratio: 1.0000001 })
        expect(first.mlflowCreatedAt).toEqual(mlflowCreatedAt)
        expect(first.syncedAt).toBeInstanceOf(Date)
        const second = await upsertModelVersion(
          db,
          version('1', {
            status: 'READY',
            aliases: ['champion', 'challenger'],
            tags: { note: 'ünïcödé "quoted" \\ back' },
            featureSpecVersion: 'v2',
          })
        )
        expect(second).toMatchObject({
          aliases: ['champion', 'challenger'],
          tags: { note: 'ünïcödé "quoted" \\ back' },
          featureSpecVersion: 'v2',
          mlflowCreatedAt: null,
        })
        const read = await getModelVersion(db, 'clv', '1')
        expect(read).toEqual(second)
        expect(read?.syncedAt).toBeInstanceOf(Date)
        expect(await getModelVersion(db, 'clv', '9')).toBeUndefined()
      })

      test('a version of an unknown model is refused (foreign key)', async () => {
        await expect(upsertModelVersion(db, version('1'))).rejects.toThrow()
      })

      test('listModels: by name, versions in numeric order, models without versions too', async () => {
        await upsertModel(db, { name: 'zeta' })
        await upsertModel(db, { name: 'clv' })
        for (const v of ['10', '2', '1']) await upsertModelVersion(db, version(v))
        const listed = await listModels(db)
        expect(listed.map((m) => m.name)).toEqual(['clv', 'zeta'])
        expect(listed[0]?.versions.map((v) => v.version)).toEqual(['1', '2', '10'])
        expect(listed[0]?.versions[0]?.metrics.gini).toBe(0.61)
        expect(listed[1]?.versions).toEqual([])
      })
    })

    describe('bundles', () => {
      test('insertBundle is idempotent by digest; bytea and jsonb round-trip', async () => {
        const document = Uint8Array.from([0, 1, 2, 127, 128, 254, 255, 0, 92, 39, 34])
        const first = await insertBundle(db, bundle('d1', '1', document))
        expect(first.created).toBe(true)
        expect(first.bundle.createdAt).toBeInstanceOf(Date)
        const again = await insertBundle(db, bundle('d1', '1', document))
        expect(again).toEqual({ bundle: first.bundle, created: false })
        const read = await getBundle(db, 'd1')
        // A plain, exactly sized Uint8Array from every driver (not pg's pooled Buffer).
        expect(read?.document).toEqual(document)
        expect(Object.getPrototypeOf(read?.document)).toBe(Uint8Array.prototype)
        expect(read?.document.buffer.byteLength).toBe(document.length)
        expect(read?.manifest).toEqual(bundle('d1').manifest)
        expect(await getBundle(db, 'missing')).toBeUndefined()
      })

      test('a large document round-trips byte for byte', async () => {
        const document = bytes(300_000, 31)
        await insertBundle(db, bundle('big', '1', document))
        const read = await getBundle(db, 'big')
        // Buffer.compare: vitest's deep equality walks 300k elements slowly.
        expect(Buffer.compare(read!.document, document)).toBe(0)
      })

      test('getBundleFor returns the newest bundle of a model version', async () => {
        await insertBundle(db, bundle('old', '1'))
        await new Promise((r) => setTimeout(r, 5))
        await insertBundle(db, bundle('new', '1'))
        await insertBundle(db, bundle('other', '2'))
        expect((await getBundleFor(db, 'clv', '1'))?.digest).toBe('new')
        expect((await getBundleFor(db, 'clv', '2'))?.digest).toBe('other')
        expect(await getBundleFor(db, 'clv', '3')).toBeUndefined()
      })
    })

    describe('deployments', () => {
      const change = (expectedRevision: number, extra: Partial<DeploymentState> = {}) => ({
        modelName: 'clv',
        channel: 'edge' as const,
        expectedRevision,
        state: state(extra),
        cause: 'promote',
        actor: 'alice',
      })

      test('writeDeployment creates at revision 1, then increments, appending each revision', async () => {
        await insertBundle(db, bundle('b1', '1'))
        await insertBundle(db, bundle('b2', '2'))
        const first = await writeDeployment(db, change(0, { championBundle: 'b1' }))
        expect(first.deployment).toMatchObject({
          revision: 1,
          championBundle: 'b1',
          updatedBy: 'alice',
        })
        expect(first.deployment.updatedAt).toBeInstanceOf(Date)
        expect(first.revision).toMatchObject({ revision: 1, cause: 'promote', createdBy: 'alice' })
        const second = await writeDeployment(db, {
          ...change(1, {
            championVersion: '1',
            championBundle: 'b1',
            canaryVersion: '2',
            canaryBundle: 'b2',
            canaryShare: 0.25,
          }),
          cause: 'canary',
          actor: 'bob',
        })
        expect(second.deployment).toMatchObject({
          revision: 2,
          canaryShare: 0.25,
          updatedBy: 'bob',
        })
        expect(await getDeployment(db, 'clv', 'edge')).toEqual(second.deployment)
        expect(await getDeployment(db, 'clv', 'widget')).toBeUndefined()
        const history = await listDeploymentRevisions(db, 'clv', 'edge')
        expect(history.map((r) => [r.revision, r.cause, r.canaryShare])).toEqual([
          [2, 'canary', 0.25],
          [1, 'promote', 0],
        ])
        expect(history[0]?.createdAt).toBeInstanceOf(Date)
        expect(await listDeploymentRevisions(db, 'clv', 'edge', { limit: 1, offset: 1 })).toEqual([
          history[1],
        ])
        expect(await getDeploymentRevision(db, 'clv', 'edge', 1)).toEqual(history[1])
        expect(await getDeploymentRevision(db, 'clv', 'edge', 3)).toBeUndefined()
      })

      test('a stale expected revision fails with RevisionConflictError and changes nothing', async () => {
        await writeDeployment(db, change(0))
        await writeDeployment(db, change(1, { championVersion: '2' }))
        const err = await rejection(writeDeployment(db, change(1, { championVersion: '3' })))
        expect(err).toBeInstanceOf(RevisionConflictError)
        expect(err).toMatchObject({ modelName: 'clv', channel: 'edge', expected: 1, actual: 2 })
        expect((err as Error).message).toMatch(/revision 2, not the expected 1/)
        expect((await getDeployment(db, 'clv', 'edge'))?.championVersion).toBe('2')
        expect(await listDeploymentRevisions(db, 'clv', 'edge')).toHaveLength(2)
      })

      test('creating an existing deployment, or changing a missing one, is a conflict', async () => {
        await writeDeployment(db, change(0))
        expect(await rejection(writeDeployment(db, change(0)))).toMatchObject({
          name: 'RevisionConflictError',
          expected: 0,
          actual: 1,
        })
        const missing = await rejection(
          writeDeployment(db, { ...change(4), channel: 'widget' as const })
        )
        expect(missing).toMatchObject({ name: 'RevisionConflictError', expected: 4, actual: 0 })
        expect(await listDeploymentRevisions(db, 'clv', 'widget')).toEqual([])
      })

      test('of two concurrent writers from the same revision, exactly one wins', async () => {
        await writeDeployment(db, change(0))
        const results = await Promise.allSettled([
          writeDeployment(db, change(1, { championVersion: 'a' })),
          writeDeployment(db, change(1, { championVersion: 'b' })),
        ])
        expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
        const lost = results.find((r) => r.status === 'rejected')
        expect(lost?.reason).toBeInstanceOf(RevisionConflictError)
        expect(await listDeploymentRevisions(db, 'clv', 'edge')).toHaveLength(2)
      })

      test('a bundle that does not exist is refused (foreign key), nothing is written', async () => {
        await expect(writeDeployment(db, change(0, { championBundle: 'nope' }))).rejects.toThrow()
        expect(await getDeployment(db, 'clv', 'edge')).toBeUndefined()
        expect(await listDeploymentRevisions(db, 'clv', 'edge')).toEqual([])
      })

      test('listDeployments: all, or one model, by model then channel', async () => {
        await writeDeployment(db, { ...change(0), channel: 'widget' as const })
        await writeDeployment(db, change(0))
        await writeDeployment(db, { ...change(0), modelName: 'alpha' })
        const all = await listDeployments(db)
        expect(all.map((d) => `${d.modelName}/${d.channel}`)).toEqual([
          'alpha/edge',
          'clv/edge',
          'clv/widget',
        ])
        expect((await listDeployments(db, 'clv')).map((d) => d.channel)).toEqual(['edge', 'widget'])
      })
    })

    describe('tokens', () => {
      const token = {
        name: 'ci',
        role: 'publisher' as const,
        hash: 'a'.repeat(64),
        createdBy: 'admin',
      }

      test('insert, find active by hash, touch, list, revoke', async () => {
        const created = await insertToken(db, token)
        expect(created).toMatchObject({ ...token, lastUsedAt: null, revokedAt: null })
        expect(created.createdAt).toBeInstanceOf(Date)
        expect(await findActiveToken(db, token.hash)).toEqual(created)
        expect(await findActiveToken(db, 'b'.repeat(64))).toBeUndefined()
        await touchToken(db, created.id)
        expect((await findActiveToken(db, token.hash))?.lastUsedAt).toBeInstanceOf(Date)
        await insertToken(db, { ...token, name: 'alpha', hash: 'c'.repeat(64), role: 'viewer' })
        const revoked = await revokeToken(db, 'ci')
        expect(revoked?.revokedAt).toBeInstanceOf(Date)
        expect(await revokeToken(db, 'ci')).toBeUndefined()
        expect(await revokeToken(db, 'nobody')).toBeUndefined()
        expect(await findActiveToken(db, token.hash)).toBeUndefined()
        const listed = await listTokens(db)
        expect(listed.map((t) => [t.name, t.revokedAt === null])).toEqual([
          ['alpha', true],
          ['ci', false],
        ])
      })

      test('a taken name or hash is a unique violation naming the constraint', async () => {
        await insertToken(db, token)
        const sameName = await rejection(insertToken(db, { ...token, hash: 'd'.repeat(64) }))
        expect(uniqueViolation(sameName)).toBe('tokens_name_unique')
        const sameHash = await rejection(insertToken(db, { ...token, name: 'other' }))
        expect(uniqueViolation(sameHash)).toBe('tokens_hash_unique')
        expect(uniqueViolation(new Error('x'))).toBeUndefined()
      })
    })

    describe('audit', () => {
      test('append, then list newest first with target/action filters and paging', async () => {
        const first = await appendAudit(db, {
          actor: 'alice',
          action: 'promote',
          target: 'clv/edge',
          reason: 'better',
          before: { champion: null },
          after: { champion: '2', nested: { list: [1, 2.5, 'x', null, true] } },
          requestId: 'r1',
        })
        expect(first.at).toBeInstanceOf(Date)
        expect(first.after).toEqual({ champion: '2', nested: { list: [1, 2.5, 'x', null, true] } })
        await appendAudit(db, { actor: 'bob', action: 'rollback', target: 'clv/edge' })
        await appendAudit(db, { actor: 'bob', action: 'token.create', target: 'token/ci' })
        const all = await listAudit(db)
        expect(all.map((e) => e.action)).toEqual(['token.create', 'rollback', 'promote'])
        expect(all[2]).toEqual(first)
        expect(all[1]).toMatchObject({ reason: null, before: null, after: null, requestId: null })
        expect((await listAudit(db, { target: 'clv/edge' })).map((e) => e.action)).toEqual([
          'rollback',
          'promote',
        ])
        expect((await listAudit(db, { action: 'promote' })).map((e) => e.id)).toEqual([first.id])
        expect(await listAudit(db, { target: 'token/ci', action: 'promote' })).toEqual([])
        const page = await listAudit(db, { limit: 1, offset: 1 })
        expect(page.map((e) => e.action)).toEqual(['rollback'])
      })
    })

    describe('promotions', () => {
      test('begin records an in-progress promotion with a lease', async () => {
        const p = await beginPromotion(db, promotion({ gates: { gini: { ok: true } } }))
        expect(p).toMatchObject({
          status: 'in_progress',
          idempotencyKey: 'key-1',
          forced: 0,
          gates: { gini: { ok: true } },
          result: null,
          error: null,
        })
        expect(p.id).toMatch(/^[0-9a-f-]{36}$/)
        expect(p.leaseUntil.getTime() - p.createdAt.getTime()).toBe(60_000)
        expect(await getPromotion(db, p.id)).toEqual(p)
        expect(await getPromotionByKey(db, 'key-1')).toEqual(p)
        expect(await getPromotionInProgress(db, 'clv')).toEqual(p)
        expect(await getPromotionByKey(db, 'key-2')).toBeUndefined()
      })

      test('a second promotion of the model in progress is a PromotionInProgressError', async () => {
        const first = await beginPromotion(db, promotion())
        const err = await rejection(
          beginPromotion(db, promotion({ idempotencyKey: 'key-2', channel: 'widget' }))
        )
        expect(err).toBeInstanceOf(PromotionInProgressError)
        expect(err).toMatchObject({ modelName: 'clv', current: first })
        expect(uniqueViolation((err as Error).cause)).toBe('promotions_one_in_progress')
        // Without a key too, and another model is not affected.
        expect(
          await rejection(beginPromotion(db, promotion({ idempotencyKey: null })))
        ).toBeInstanceOf(PromotionInProgressError)
        await beginPromotion(db, promotion({ modelName: 'other', idempotencyKey: 'key-3' }))
      })

      test('a used idempotency key is an IdempotencyKeyUsedError carrying the existing row', async () => {
        const first = await beginPromotion(db, promotion())
        // While the first still runs: the key is recognised before the model's slot.
        const whileRunning = await rejection(beginPromotion(db, promotion()))
        expect(whileRunning).toBeInstanceOf(IdempotencyKeyUsedError)
        expect((whileRunning as IdempotencyKeyUsedError).existing).toEqual(first)
        const done = await completePromotion(db, first.id, {
          status: 'succeeded',
          result: { r: 1 },
        })
        const afterwards = await rejection(beginPromotion(db, promotion({ requestHash: 'h2' })))
        expect(afterwards).toBeInstanceOf(IdempotencyKeyUsedError)
        expect((afterwards as IdempotencyKeyUsedError).existing).toEqual(done)
        expect(uniqueViolation((afterwards as Error).cause)).toBe('promotions_idempotency')
      })

      test('complete: succeeded with a result, failed with an error, only once', async () => {
        const p = await beginPromotion(db, promotion())
        const progressed = await recordPromotionProgress(db, p.id, {
          gates: [{ name: 'gini', ok: true, value: 0.61 }],
          bundleDigest: 'd1',
        })
        expect(progressed).toMatchObject({
          bundleDigest: 'd1',
          gates: [{ name: 'gini', ok: true }],
        })
        const done = await completePromotion(db, p.id, {
          status: 'succeeded',
          result: { revision: 3, bundle: 'd1' },
        })
        expect(done).toMatchObject({ status: 'succeeded', result: { revision: 3, bundle: 'd1' } })
        expect(done?.updatedAt).toBeInstanceOf(Date)
        expect(
          await completePromotion(db, p.id, { status: 'failed', error: 'late' })
        ).toBeUndefined()
        expect(await recordPromotionProgress(db, p.id, { bundleDigest: 'x' })).toBeUndefined()
        expect(await getPromotionInProgress(db, 'clv')).toBeUndefined()

        const next = await beginPromotion(db, promotion({ idempotencyKey: 'key-2' }))
        const failed = await completePromotion(db, next.id, {
          status: 'failed',
          error: 'push failed',
        })
        expect(failed).toMatchObject({ status: 'failed', error: 'push failed', result: null })
      })

      test('takeOverPromotion takes an expired lease only, and only once', async () => {
        const live = await beginPromotion(db, promotion())
        expect(await takeOverPromotion(db, live.id, 60_000)).toBeUndefined()
        await completePromotion(db, live.id, { status: 'failed', error: 'x' })

        const stale = await beginPromotion(db, promotion({ idempotencyKey: 'key-2', leaseMs: -1 }))
        const taken = await takeOverPromotion(db, stale.id, 30_000)
        expect(taken?.status).toBe('in_progress')
        expect(taken!.leaseUntil.getTime()).toBeGreaterThan(Date.now() - 1_000)
        expect(await takeOverPromotion(db, stale.id, 30_000)).toBeUndefined()
        const done = await completePromotion(db, stale.id, { status: 'succeeded', result: null })
        expect(await takeOverPromotion(db, done!.id, 30_000)).toBeUndefined()
      })

      test('a refused begin inside a transaction leaves the transaction usable', async () => {
        await beginPromotion(db, promotion())
        const outcome = await transaction(db, async (tx) => {
          const err = await rejection(beginPromotion(tx, promotion({ idempotencyKey: 'key-2' })))
          await appendAudit(tx, { actor: 'bob', action: 'promote.refused', target: 'clv/edge' })
          return err
        })
        expect(outcome).toBeInstanceOf(PromotionInProgressError)
        expect((await listAudit(db)).map((e) => e.action)).toEqual(['promote.refused'])
      })
    })
  })
}
