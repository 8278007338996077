import type { MlflowClient, ModelVersion, SigningKey } from '@fcv/core'
import { getBundle, getBundleFor, insertBundle, type Bundle, type Db } from '../db/index.ts'
import type { Channel } from '../db/schema.ts'
import type { Services } from '../services.ts'
import { ApiError } from '../errors.ts'
import { PublishError, type BundleRole, type Publisher } from '../publish/publisher.ts'
import { fromMlflow } from '../registry/sync.ts'
import { buildVersionBundle } from './bundle-builder.ts'

/**
 * The version's bundle in the control plane's store: the one already built (by this promotion
 * before a crash, or earlier) when signed with the current key, else built and signed now.
 */
export async function bundleFor(
  db: Db,
  mlflow: MlflowClient,
  signer: SigningKey | null,
  version: ModelVersion,
  trackingUri: string,
  known: string | null
): Promise<Bundle> {
  if (!signer) {
    throw new ApiError(
      503,
      'signing_key_missing',
      'no bundle signing key is configured (FCV_SIGNING_KEY)'
    )
  }
  const earlier = known
    ? await getBundle(db, known)
    : await getBundleFor(db, version.name, version.version)
  if (earlier && earlier.keyId === signer.keyId) return earlier
  const built = await buildVersionBundle(mlflow, version, signer, trackingUri).catch(
    (e: unknown) => (e instanceof ApiError ? Promise.reject(e) : fromMlflow(e))
  )
  const { bundle } = await insertBundle(db, {
    digest: built.digest,
    modelName: version.name,
    version: version.version,
    keyId: signer.keyId,
    manifest: built.document.manifest as unknown as Record<string, unknown>,
    document: built.bytes,
    size: built.bytes.length,
  })
  return bundle
}

/** What became of a deployment change at one push target. */
export interface TargetOutcome {
  target: string
  /**
   * delivered: the target took it; pending: it did not answer (or failed), and the reconciler
   * delivers it when it does; skipped: the targets serve another model (FCV_MODEL_NAME).
   */
  outcome: 'delivered' | 'pending' | 'skipped'
  detail: string | null
}

/**
 * Sends the bundle to every push target. A target that refuses it (signature, digest, token) fails
 * the step, as nothing may point at a bundle a target refused; one that does not answer does not:
 * the change is recorded and the reconciler delivers it later.
 */
export async function pushBundle(
  s: Services,
  bundle: Bundle,
  channel: Channel,
  role: BundleRole,
  canaryShare?: number
): Promise<TargetOutcome[]> {
  return await everywhere(s, bundle.modelName, 'the bundle could not be published', (p) =>
    p.publish({
      model: bundle.modelName,
      version: bundle.version,
      channel,
      role,
      digest: bundle.digest,
      bytes: bundle.document,
      ...(role === 'canary' && canaryShare !== undefined ? { canaryShare } : {}),
    })
  )
}

/** Targets that missed a recorded change are reconciled now rather than at the next interval. */
export function nudgeMissed(s: Services, outcomes: readonly TargetOutcome[]): void {
  s.reconciler.nudge(outcomes.filter((o) => o.outcome === 'pending').map((o) => o.target))
}

/** Tells every push target that a channel no longer has a canary or a shadow. */
export async function withdrawRole(
  s: Services,
  model: string,
  channel: Channel,
  role: 'canary' | 'shadow'
): Promise<TargetOutcome[]> {
  return await everywhere(s, model, `the ${role} could not be withdrawn`, (p) =>
    p.withdraw({ model, channel, role })
  )
}

async function everywhere(
  s: Services,
  model: string,
  what: string,
  step: (p: Publisher) => Promise<void>
): Promise<TargetOutcome[]> {
  const served = s.config.FCV_MODEL_NAME
  if (model !== served) {
    const detail = `the push targets serve "${served}" (FCV_MODEL_NAME), not "${model}"`
    return s.publishers.map((p) => ({ target: p.target, outcome: 'skipped', detail }))
  }
  const failures = await Promise.all(
    s.publishers.map((p) =>
      step(p).then(
        () => null,
        (e: unknown) => e as Error
      )
    )
  )
  const refusals = failures.flatMap((e) =>
    e instanceof PublishError && e.refused ? [e.message] : []
  )
  if (refusals.length) {
    throw new ApiError(502, 'publish_failed', `${what}: ${refusals.join('; ')}`)
  }
  return s.publishers.map((p, i): TargetOutcome => {
    const e = failures[i]
    if (!e) return { target: p.target, outcome: 'delivered', detail: null }
    const why = e instanceof PublishError ? e.message : `${p.target}: ${e.message}`
    s.log.warn({ target: p.target, err: why }, 'a push target missed a change; reconciling later')
    const detail = `${why}; the reconciler delivers it when the target answers`
    return { target: p.target, outcome: 'pending', detail }
  })
}
