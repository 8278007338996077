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
import type { Channel } from '../db/schema.ts'
import { ApiError } from '../errors.ts'
import type { Actor } from '../app-env.ts'
import { fromMlflow, syncVersion } from '../registry/sync.ts'
import type { Services } from '../services.ts'
import { bundleFor, pushBundle, withdrawRole } from './deploy-step.ts'
import { stateOf } from './promote.ts'

export interface ChangeResult {
  model: string
  channel: Channel
  revision: number
  before: DeploymentState
  after: DeploymentState
}

async function record(
  s: Services,
  model: string,
  channel: Channel,
  expectedRevision: number,
  before: DeploymentState,
  after: DeploymentState,
  cause: string,
  actor: Actor,
  reason: string,
  requestId: string
): Promise<ChangeResult> {
  try {
    return await transaction(s.db.db, async (tx) => {
      const { revision } = await writeDeployment(tx, {
        modelName: model,
        channel,
        expectedRevision,
        state: after,
        cause,
        actor: actor.name,
      })
      await appendAudit(tx, {
        actor: actor.name,
        action: cause,
        target: `${model}/${channel}`,
        reason,
        before,
        after,
        requestId,
      })
      return { model, channel, revision: revision.revision, before, after }
    })
  } catch (e) {
    if (e instanceof RevisionConflictError) {
      throw new ApiError(
        409,
        'concurrent_change',
        `the ${channel} deployment of "${model}" changed meanwhile; retry`
      )
    }
    throw e
  }
}

/** The channel's champion goes back to the one before it (its bundle is still in the store). */
export async function rollback(
  s: Services,
  model: string,
  channel: Channel,
  actor: Actor,
  reason: string,
  requestId: string
): Promise<ChangeResult> {
  const current = await getDeployment(s.db.db, model, channel)
  const before = stateOf(current)
  if (!current || !before.championVersion)
    throw new ApiError(409, 'nothing_to_roll_back', `"${model}" has no champion on ${channel}`)
  const revisions = await listDeploymentRevisions(s.db.db, model, channel, { limit: 1000 })
  const previous = revisions.find(
    (r) => r.championVersion && r.championVersion !== before.championVersion && r.championBundle
  )
  if (!previous)
    throw new ApiError(
      409,
      'nothing_to_roll_back',
      `"${model}" has had no other champion on ${channel}`
    )
  const bundle = await getBundle(s.db.db, previous.championBundle!)
  if (!bundle)
    throw new ApiError(
      409,
      'bundle_missing',
      `the bundle of version ${previous.championVersion} is no longer stored`
    )
  await pushBundle(s.publishers, bundle, channel, 'champion')
  await s.mlflow.setAlias(model, 'champion', previous.championVersion!).catch(fromMlflow)
  await s.mlflow.setAlias(model, 'previous', before.championVersion).catch(fromMlflow)
  const after: DeploymentState = {
    ...before,
    championVersion: previous.championVersion,
    championBundle: bundle.digest,
  }
  return await record(
    s,
    model,
    channel,
    current.revision,
    before,
    after,
    'rollback',
    actor,
    reason,
    requestId
  )
}

/** A new canary share for the current canary, or no canary at all (share 0 / version null). */
export async function setCanaryShare(
  s: Services,
  model: string,
  channel: Channel,
  share: number,
  actor: Actor,
  reason: string,
  requestId: string
): Promise<ChangeResult> {
  const current = await getDeployment(s.db.db, model, channel)
  const before = stateOf(current)
  if (!current || !before.canaryVersion) {
    throw new ApiError(
      409,
      'no_canary',
      `"${model}" has no canary on ${channel}; start one with a promotion that gives canaryShare`
    )
  }
  if (share === 0) {
    await withdrawRole(s.publishers, model, channel, 'canary')
    const after = { ...before, canaryVersion: null, canaryBundle: null, canaryShare: 0 }
    return await record(
      s,
      model,
      channel,
      current.revision,
      before,
      after,
      'canary.stop',
      actor,
      reason,
      requestId
    )
  }
  const bundle = await getBundle(s.db.db, before.canaryBundle!)
  if (!bundle) throw new ApiError(409, 'bundle_missing', `the canary's bundle is no longer stored`)
  await pushBundle(s.publishers, bundle, channel, 'canary', share) // the edge learns the new share
  const after = { ...before, canaryShare: share }
  return await record(
    s,
    model,
    channel,
    current.revision,
    before,
    after,
    'canary.share',
    actor,
    reason,
    requestId
  )
}

/** A version scored beside the champion on every request but never returned; null removes it. */
export async function setShadow(
  s: Services,
  model: string,
  channel: Channel,
  version: string | null,
  actor: Actor,
  reason: string,
  requestId: string
): Promise<ChangeResult> {
  const current = await getDeployment(s.db.db, model, channel)
  const before = stateOf(current)
  if (version === null) {
    if (!before.shadowVersion)
      throw new ApiError(409, 'no_shadow', `"${model}" has no shadow on ${channel}`)
    await withdrawRole(s.publishers, model, channel, 'shadow')
    const after = { ...before, shadowVersion: null, shadowBundle: null }
    return await record(
      s,
      model,
      channel,
      current?.revision ?? 0,
      before,
      after,
      'shadow.stop',
      actor,
      reason,
      requestId
    )
  }
  const { mlflow: v } = await syncVersion(s, model, version)
  const spec = (v.tags ?? []).find((t) => t.key === 'fcv.feature_spec.version')?.value
  if (!spec || !s.gates.supportedSpecs.includes(spec)) {
    throw new ApiError(
      409,
      'unsupported_feature_spec',
      `version ${version} uses feature spec ${spec ?? '(none)'}, which the edge and widget cannot compute`
    )
  }
  const bundle = await bundleFor(s.db.db, s.mlflow, s.signer, v, s.config.MLFLOW_TRACKING_URI, null)
  await pushBundle(s.publishers, bundle, channel, 'shadow')
  const after = { ...before, shadowVersion: version, shadowBundle: bundle.digest }
  return await record(
    s,
    model,
    channel,
    current?.revision ?? 0,
    before,
    after,
    'shadow',
    actor,
    reason,
    requestId
  )
}
