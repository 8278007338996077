// What serves where, and every state it had. A change is optimistic: the caller names the revision
// it read, and the write fails with RevisionConflictError when someone else got there first.

import { and, asc, desc, eq, sql } from 'drizzle-orm'
import { RevisionConflictError } from './errors.ts'
import { deploymentRevisions, deployments, type Channel } from './schema.ts'
import { transaction } from './transaction.ts'
import type { Db, Deployment, DeploymentRevision } from './types.ts'

/** The full serving state of a (model, channel); a change writes all of it. */
export type DeploymentState = Pick<
  Deployment,
  | 'championVersion'
  | 'championBundle'
  | 'canaryVersion'
  | 'canaryBundle'
  | 'canaryShare'
  | 'shadowVersion'
  | 'shadowBundle'
>

export interface DeploymentChange {
  modelName: string
  channel: Channel
  /** The revision the caller read; 0 when the deployment did not exist. */
  expectedRevision: number
  state: DeploymentState
  /** promote | rollback | canary | shadow */
  cause: string
  actor: string
}

export async function getDeployment(
  db: Db,
  modelName: string,
  channel: Channel
): Promise<Deployment | undefined> {
  const [row] = await db
    .select()
    .from(deployments)
    .where(and(eq(deployments.modelName, modelName), eq(deployments.channel, channel)))
  return row
}

/** Every deployment, or a model's, by model then channel. */
export async function listDeployments(db: Db, modelName?: string): Promise<Deployment[]> {
  return db
    .select()
    .from(deployments)
    .where(modelName === undefined ? undefined : eq(deployments.modelName, modelName))
    .orderBy(asc(deployments.modelName), asc(deployments.channel))
}

/**
 * Writes the new state at revision expectedRevision + 1 and appends it to deployment_revisions,
 * in one transaction (a savepoint when `db` is already one).
 */
export async function writeDeployment(
  db: Db,
  change: DeploymentChange
): Promise<{ deployment: Deployment; revision: DeploymentRevision }> {
  const { modelName, channel, expectedRevision, state, cause, actor } = change
  const revision = expectedRevision + 1
  return transaction(db, async (tx) => {
    const values = { ...state, revision, updatedBy: actor, updatedAt: sql`now()` }
    const [deployment] =
      expectedRevision === 0
        ? await tx
            .insert(deployments)
            .values({ modelName, channel, ...values })
            .onConflictDoNothing()
            .returning()
        : await tx
            .update(deployments)
            .set(values)
            .where(
              and(
                eq(deployments.modelName, modelName),
                eq(deployments.channel, channel),
                eq(deployments.revision, expectedRevision)
              )
            )
            .returning()
    if (!deployment) {
      const current = await getDeployment(tx, modelName, channel)
      throw new RevisionConflictError(modelName, channel, expectedRevision, current?.revision ?? 0)
    }
    const [row] = await tx
      .insert(deploymentRevisions)
      .values({ modelName, channel, revision, ...state, cause, createdBy: actor })
      .returning()
    return { deployment, revision: row! }
  })
}

/** A deployment's history, newest first. */
export async function listDeploymentRevisions(
  db: Db,
  modelName: string,
  channel: Channel,
  page: { limit?: number; offset?: number } = {}
): Promise<DeploymentRevision[]> {
  return db
    .select()
    .from(deploymentRevisions)
    .where(
      and(eq(deploymentRevisions.modelName, modelName), eq(deploymentRevisions.channel, channel))
    )
    .orderBy(desc(deploymentRevisions.revision))
    .limit(page.limit ?? 100)
    .offset(page.offset ?? 0)
}

export async function getDeploymentRevision(
  db: Db,
  modelName: string,
  channel: Channel,
  revision: number
): Promise<DeploymentRevision | undefined> {
  const [row] = await db
    .select()
    .from(deploymentRevisions)
    .where(
      and(
        eq(deploymentRevisions.modelName, modelName),
        eq(deploymentRevisions.channel, channel),
        eq(deploymentRevisions.revision, revision)
      )
    )
  return row
}
