// POST /v1/models/{name}/promotions: gates, then bundle, publish, MLflow aliases and the deployment
// record, as a journal (the promotions table) so a crash at any point is resumed by a retry with
// the same Idempotency-Key, and the deployment itself changes in one transaction of record.

import {
  calibratedWindowFromTags,
  canonicalJson,
  championAlias,
  formatDay,
  previousAlias,
  sha256Hex,
} from '@fcv/core'
import {
  appendAudit,
  beginPromotion,
  completePromotion,
  getDeployment,
  getPromotionByKey,
  IdempotencyKeyUsedError,
  PromotionInProgressError,
  recordPromotionProgress,
  RevisionConflictError,
  takeOverPromotion,
  transaction,
  writeDeployment,
  type DeploymentState,
  type Promotion,
} from '../db/index.ts'
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
import { CALIBRATED_WINDOW_GATE, describeWindow, evaluateGates, type GateResult } from './gates.ts'

export interface PromotionRequest {
  version: string
  channel: Channel
  reason: string
  /** Given: the version becomes the channel's canary with this share instead of its champion. */
  canaryShare?: number | undefined
  /**
   * Promote although gates failed, the calibrated window's included (admin, with a reason; audited
   * as forced). A model trained on historical data has a window that ended long ago: only a forced
   * promotion serves it.
   */
  force?: boolean | undefined
}

export interface PromotionResult {
  promotionId: string
  model: string
  version: string
  channel: Channel
  role: 'champion' | 'canary'
  forced: boolean
  gates: GateResult[]
  bundle: { digest: string; keyId: string; url: string }
  deployment: { revision: number; before: DeploymentState | null; after: DeploymentState }
  /** Each push target's outcome; a pending one is delivered by the reconciler. */
  publish: TargetOutcome[]
}

const EMPTY: DeploymentState = {
  championVersion: null,
  championBundle: null,
  canaryVersion: null,
  canaryBundle: null,
  canaryShare: 0,
  shadowVersion: null,
  shadowBundle: null,
}

/** The serving state of a deployment or of one of its revisions (EMPTY when there is none). */
export function stateOf(d: DeploymentState | undefined): DeploymentState {
  if (!d) return EMPTY
  return {
    championVersion: d.championVersion,
    championBundle: d.championBundle,
    canaryVersion: d.canaryVersion,
    canaryBundle: d.canaryBundle,
    canaryShare: d.canaryShare,
    shadowVersion: d.shadowVersion,
    shadowBundle: d.shadowBundle,
  }
}

export class GatesFailedError extends ApiError {
  constructor(gates: GateResult[], model: string, version: string) {
    const failed = gates.filter((g) => !g.passed).map((g) => g.gate)
    super(
      409,
      'gates_failed',
      `version ${version} of "${model}" failed the gates: ${failed.join(', ')}`,
      { gates }
    )
  }
}

/**
 * A version whose calibrated window has ended (the calibrated_window gate): 409 naming the window,
 * and any other gate it failed; the gate table is in the details, as for gates_failed.
 */
export class CalibratedWindowPassedError extends ApiError {
  constructor(
    gates: GateResult[],
    model: string,
    version: string,
    tags: Record<string, string>,
    now: number
  ) {
    const window = calibratedWindowFromTags(tags)!
    const others = gates.filter((g) => !g.passed && g.gate !== CALIBRATED_WINDOW_GATE)
    super(
      409,
      'calibrated_window_passed',
      `version ${version} of "${model}" is calibrated for predictions as of ${describeWindow(window)}, ` +
        `a window that ended on ${window.to} (today is ${formatDay(now)}): retrain it on recent data, ` +
        'or promote it with "force": true and a reason (audited as forced)' +
        (others.length
          ? `; it also failed the gates: ${others.map((g) => g.gate).join(', ')}`
          : ''),
      { gates, calibratedWindow: window }
    )
  }
}

/**
 * How a promotion that threw ended, for fcv_promotions_total: refused when it was answered with a
 * client error (a gate, a validation such as a version that is not ready or cannot be scored, or a
 * conflict with another change said no), failed for anything else (a push target refused the
 * bundle, MLflow or the database was unavailable, a bug): the latter is what pages.
 */
export function outcomeOfFailure(e: unknown): 'refused' | 'failed' {
  return e instanceof ApiError && e.status >= 400 && e.status < 500 ? 'refused' : 'failed'
}

/** Resumes or replays an earlier request with the same key; null when there was none. */
async function earlier(
  s: Services,
  key: string,
  requestHash: string
): Promise<{ replay: PromotionResult } | { resume: Promotion } | null> {
  const p = await getPromotionByKey(s.db.db, key)
  if (!p) return null
  if (p.requestHash !== requestHash) {
    throw new ApiError(
      422,
      'idempotency_key_reused',
      'this Idempotency-Key was used for a different request'
    )
  }
  if (p.status === 'succeeded') {
    // A result journalled before push outcomes were recorded has none.
    const result = p.result as PromotionResult
    return { replay: { ...result, publish: result.publish ?? [] } }
  }
  if (p.status === 'failed') {
    throw new ApiError(
      409,
      'promotion_failed',
      `the promotion with this Idempotency-Key failed: ${p.error ?? ''}`,
      { promotionId: p.id }
    )
  }
  const mine = await takeOverPromotion(s.db.db, p.id, s.promotionLeaseMs)
  if (!mine) {
    throw new ApiError(
      409,
      'promotion_in_progress',
      'the promotion with this Idempotency-Key is still running; retry shortly',
      { promotionId: p.id }
    )
  }
  return { resume: mine }
}

/** The gates as a promotion would evaluate them now, with no side effect (the dry run). */
export async function gateReport(
  s: Services,
  model: string,
  version: string,
  channel: Channel
): Promise<{ champion: string | null; passed: boolean; gates: GateResult[] }> {
  const { mirrored } = await syncVersion(s, model, version)
  const champion = stateOf(await getDeployment(s.db.db, model, channel)).championVersion
  const gates = evaluateGates(mirrored.tags, channel, champion, s.gates, s.now())
  return { champion, passed: gates.every((g) => g.passed), gates }
}

export async function promote(
  s: Services,
  model: string,
  req: PromotionRequest,
  actor: Actor,
  o: {
    idempotencyKey?: string | undefined
    requestId: string
    bundleUrl: (digest: string) => string
  }
): Promise<{ result: PromotionResult; replayed: boolean }> {
  const requestHash = await sha256Hex(new TextEncoder().encode(canonicalJson({ model, ...req })))
  let resumed: Promotion | null = null
  if (o.idempotencyKey) {
    const e = await earlier(s, o.idempotencyKey, requestHash)
    if (e && 'replay' in e) return { result: e.replay, replayed: true }
    if (e) resumed = e.resume
  }

  const { mirrored, mlflow: version } = await syncVersion(s, model, req.version)
  if (version.status !== 'READY') {
    throw new ApiError(
      409,
      'version_not_ready',
      `version ${req.version} of "${model}" is ${version.status} in MLflow`
    )
  }
  const current = await getDeployment(s.db.db, model, req.channel)
  const before = stateOf(current)
  if (req.canaryShare !== undefined && !before.championVersion) {
    throw new ApiError(
      409,
      'no_champion',
      `a canary needs a champion to share ${req.channel} with; promote one first`
    )
  }
  const now = s.now()
  const gates = evaluateGates(mirrored.tags, req.channel, before.championVersion, s.gates, now)
  const passed = gates.every((g) => g.passed)
  if (!passed && !req.force) {
    await appendAudit(s.db.db, {
      actor: actor.name,
      action: 'promotion.refused',
      target: `${model}/${req.channel}`,
      reason: req.reason,
      before,
      after: { version: req.version, gates },
      requestId: o.requestId,
    })
    throw gates.some((g) => g.gate === CALIBRATED_WINDOW_GATE && !g.passed)
      ? new CalibratedWindowPassedError(gates, model, req.version, mirrored.tags, now)
      : new GatesFailedError(gates, model, req.version)
  }

  let journal: Promotion
  try {
    journal =
      resumed ??
      (await beginPromotion(s.db.db, {
        modelName: model,
        version: req.version,
        channel: req.channel,
        idempotencyKey: o.idempotencyKey ?? null,
        requestHash,
        actor: actor.name,
        reason: req.reason,
        canaryShare: req.canaryShare ?? null,
        forced: req.force && !passed ? 1 : 0,
        gates,
        leaseMs: s.promotionLeaseMs,
      }))
  } catch (e) {
    if (e instanceof PromotionInProgressError) {
      throw new ApiError(
        409,
        'promotion_in_progress',
        `another promotion of "${model}" is in progress`
      )
    }
    if (e instanceof IdempotencyKeyUsedError) {
      throw new ApiError(
        409,
        'promotion_in_progress',
        'a promotion with this Idempotency-Key started concurrently'
      )
    }
    throw e
  }

  try {
    const bundle = await bundleFor(
      s.db.db,
      s.mlflow,
      s.signer,
      version,
      s.config.MLFLOW_TRACKING_URI,
      journal.bundleDigest
    )
    if (journal.bundleDigest !== bundle.digest) {
      await recordPromotionProgress(s.db.db, journal.id, { bundleDigest: bundle.digest })
    }
    const role = req.canaryShare === undefined ? 'champion' : 'canary'
    const forced = journal.forced === 1
    // Publish, then record, under the model's lock: the reconciler never pushes in between.
    const result = await s.lock.run(model, async () => {
      // Published before the channel points at it: the channel never names a bundle a target refused.
      const publish = await pushBundle(s, bundle, req.channel, role, req.canaryShare)
      // Promoting the canary's own version ends the canary at the edge too.
      if (role === 'champion' && before.canaryVersion === req.version) {
        await withdrawRole(s, model, req.channel, 'canary')
      }
      if (role === 'champion') {
        const channel = req.channel
        await s.mlflow.setAlias(model, championAlias(channel), req.version).catch(fromMlflow)
        if (before.championVersion && before.championVersion !== req.version) {
          await s.mlflow
            .setAlias(model, previousAlias(channel), before.championVersion)
            .catch(fromMlflow)
        }
      }
      const after: DeploymentState =
        role === 'champion'
          ? {
              ...before,
              championVersion: req.version,
              championBundle: bundle.digest,
              // A canary of the version just promoted has nothing left to test.
              ...(before.canaryVersion === req.version
                ? { canaryVersion: null, canaryBundle: null, canaryShare: 0 }
                : {}),
            }
          : {
              ...before,
              canaryVersion: req.version,
              canaryBundle: bundle.digest,
              canaryShare: req.canaryShare ?? 0,
            }
      return await transaction(s.db.db, async (tx) => {
        const { revision } = await writeDeployment(tx, {
          modelName: model,
          channel: req.channel,
          expectedRevision: current?.revision ?? 0,
          state: after,
          cause: role === 'champion' ? 'promote' : 'canary',
          actor: actor.name,
        })
        const r: PromotionResult = {
          promotionId: journal.id,
          model,
          version: req.version,
          channel: req.channel,
          role,
          forced,
          gates,
          bundle: { digest: bundle.digest, keyId: bundle.keyId, url: o.bundleUrl(bundle.digest) },
          deployment: { revision: revision.revision, before: current ? before : null, after },
          publish,
        }
        await appendAudit(tx, {
          actor: actor.name,
          action: forced ? 'promotion.forced' : 'promotion',
          target: `${model}/${req.channel}`,
          reason: req.reason,
          before,
          after: {
            ...after,
            gates,
            // What the force overrode, by name (calibrated_window for a model whose window ended).
            ...(forced ? { overridden: gates.filter((g) => !g.passed).map((g) => g.gate) } : {}),
            bundle: bundle.digest,
            publish,
          },
          requestId: o.requestId,
        })
        const done = await completePromotion(tx, journal.id, { status: 'succeeded', result: r })
        if (!done)
          throw new ApiError(409, 'promotion_taken_over', 'the promotion was taken over by a retry')
        return r
      })
    })
    nudgeMissed(s, result.publish)
    s.log.info(
      { model, version: req.version, channel: req.channel, role, forced, actor: actor.name },
      'promoted'
    )
    return { result, replayed: false }
  } catch (e) {
    const err =
      e instanceof RevisionConflictError
        ? new ApiError(
            409,
            'concurrent_change',
            `the ${req.channel} deployment of "${model}" changed meanwhile; retry`
          )
        : e
    const message = (err as Error).message
    await completePromotion(s.db.db, journal.id, { status: 'failed', error: message }).catch(
      () => undefined
    )
    await appendAudit(s.db.db, {
      actor: actor.name,
      action: 'promotion.failed',
      target: `${model}/${req.channel}`,
      reason: req.reason,
      before,
      after: { version: req.version, error: message },
      requestId: o.requestId,
    }).catch(() => undefined)
    throw err
  }
}
