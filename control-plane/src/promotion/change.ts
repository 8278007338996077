// Deployment changes that need no gates: rollback to the previous champion, canary share or
// removal, shadow version. Each publishes what it needs first and writes the deployment, its
// revision and the audit entry in one transaction.

import {
  appendAudit,
  getBundle,
  getDeployment,
  listDeploymentRevisions,
  RevisionConflictError,
  transaction,
  writeDeployment,
  type DeploymentState,
} from '../db/index.ts'
import { championAlias, previousAlias } from '@fcv/core'
import type { Channel } from '../db/schema.ts'
import { ApiError } from '../errors.ts'
import type { Actor } from '../app-env.ts'
import { fromMlflow, syncVersion } from '../registry/sync.ts'
import type { Services } from '../services.ts'
import {
  bundleFor,
  nudgeMissed,
  pushBundle,
  withdrawRole,
  type TargetOutcome,
} from './deploy-step.ts'
import { stateOf } from './promote.ts'

export interface ChangeResult {
  model: string
  channel: Channel
  revision: number
  before: DeploymentState
  after: DeploymentState
  /** Each push target's outcome; a pending one is delivered by the reconciler. */
  publish: TargetOutcome[]
}

/** Who changes which channel of which model, and why (the audit entry's fields). */
export interface ChangeRequest {
  model: string
  channel: Channel
  actor: Actor
  reason: string
  requestId: string
}

/** The deployment as it is now: its state and the revision a change must find unchanged. */
interface Current {
  revision: number
  before: DeploymentState
}

async function currentOf(s: Services, r: ChangeRequest): Promise<Current> {
  const d = await getDeployment(s.db.db, r.model, r.channel)
  return { revision: d?.revision ?? 0, before: stateOf(d) }
}

/**
 * Tells the push targets (`publishStep`), then records the deployment, its revision and the audit
 * entry in one transaction: both under the model's lock, so the reconciler never pushes in between.
 */
async function publishAndRecord(
  s: Services,
  r: ChangeRequest,
  { revision: expectedRevision, before }: Current,
  after: DeploymentState,
  cause: string,
  publishStep: () => Promise<TargetOutcome[]>
): Promise<ChangeResult> {
  try {
    const result = await s.lock.run(r.model, async () => {
      const publish = await publishStep()
      return await transaction(s.db.db, async (tx) => {
        const { revision } = await writeDeployment(tx, {
          modelName: r.model,
          channel: r.channel,
          expectedRevision,
          state: after,
          cause,
          actor: r.actor.name,
        })
        await appendAudit(tx, {
          actor: r.actor.name,
          action: cause,
          target: `${r.model}/${r.channel}`,
          reason: r.reason,
          before,
          after: { ...after, publish },
          requestId: r.requestId,
        })
        return {
          model: r.model,
          channel: r.channel,
          revision: revision.revision,
          before,
          after,
          publish,
        }
      })
    })
    nudgeMissed(s, result.publish)
    return result
  } catch (e) {
    if (e instanceof RevisionConflictError) {
      throw new ApiError(
        409,
        'concurrent_change',
        `the ${r.channel} deployment of "${r.model}" changed meanwhile; retry`
      )
    }
    throw e
  }
}

/** The channel's champion goes back to the one before it (its bundle is still in the store). */
export async function rollback(s: Services, r: ChangeRequest): Promise<ChangeResult> {
  const current = await currentOf(s, r)
  const { before } = current
  if (!before.championVersion)
    throw new ApiError(409, 'nothing_to_roll_back', `"${r.model}" has no champion on ${r.channel}`)
  const revisions = await listDeploymentRevisions(s.db.db, r.model, r.channel, { limit: 1000 })
  const previous = revisions.find(
    (x) => x.championVersion && x.championVersion !== before.championVersion && x.championBundle
  )
  if (!previous)
    throw new ApiError(
      409,
      'nothing_to_roll_back',
      `"${r.model}" has had no other champion on ${r.channel}`
    )
  const bundle = await getBundle(s.db.db, previous.championBundle!)
  if (!bundle)
    throw new ApiError(
      409,
      'bundle_missing',
      `the bundle of version ${previous.championVersion} is no longer stored`
    )
  const after: DeploymentState = {
    ...before,
    championVersion: previous.championVersion,
    championBundle: bundle.digest,
  }
  return await publishAndRecord(s, r, current, after, 'rollback', async () => {
    const publish = await pushBundle(s, bundle, r.channel, 'champion')
    await s.mlflow
      .setAlias(r.model, championAlias(r.channel), previous.championVersion!)
      .catch(fromMlflow)
    await s.mlflow
      .setAlias(r.model, previousAlias(r.channel), before.championVersion!)
      .catch(fromMlflow)
    return publish
  })
}

/** A new canary share for the current canary, or no canary at all (share 0). */
export async function setCanaryShare(
  s: Services,
  r: ChangeRequest,
  share: number
): Promise<ChangeResult> {
  const current = await currentOf(s, r)
  const { before } = current
  if (!before.canaryVersion) {
    throw new ApiError(
      409,
      'no_canary',
      `"${r.model}" has no canary on ${r.channel}; start one with a promotion that gives canaryShare`
    )
  }
  if (share === 0) {
    const after = { ...before, canaryVersion: null, canaryBundle: null, canaryShare: 0 }
    return await publishAndRecord(s, r, current, after, 'canary.stop', () =>
      withdrawRole(s, r.model, r.channel, 'canary')
    )
  }
  const bundle = await getBundle(s.db.db, before.canaryBundle!)
  if (!bundle) throw new ApiError(409, 'bundle_missing', `the canary's bundle is no longer stored`)
  const after = { ...before, canaryShare: share }
  return await publishAndRecord(s, r, current, after, 'canary.share', () =>
    pushBundle(s, bundle, r.channel, 'canary', share)
  )
}

/** A version scored beside the champion on every request but never returned; null removes it. */
export async function setShadow(
  s: Services,
  r: ChangeRequest,
  version: string | null
): Promise<ChangeResult> {
  const current = await currentOf(s, r)
  const { before } = current
  if (version === null) {
    if (!before.shadowVersion)
      throw new ApiError(409, 'no_shadow', `"${r.model}" has no shadow on ${r.channel}`)
    const after = { ...before, shadowVersion: null, shadowBundle: null }
    return await publishAndRecord(s, r, current, after, 'shadow.stop', () =>
      withdrawRole(s, r.model, r.channel, 'shadow')
    )
  }
  const { mlflow: v } = await syncVersion(s, r.model, version)
  const spec = (v.tags ?? []).find((t) => t.key === 'fcv.feature_spec.version')?.value
  if (!spec || !s.gates.supportedSpecs.includes(spec)) {
    throw new ApiError(
      409,
      'unsupported_feature_spec',
      `version ${version} uses feature spec ${spec ?? '(none)'}, which the edge and widget cannot compute`
    )
  }
  const bundle = await bundleFor(s.db.db, s.mlflow, s.signer, v, s.config.MLFLOW_TRACKING_URI, null)
  const after = { ...before, shadowVersion: version, shadowBundle: bundle.digest }
  return await publishAndRecord(s, r, current, after, 'shadow', () =>
    pushBundle(s, bundle, r.channel, 'shadow')
  )
}
