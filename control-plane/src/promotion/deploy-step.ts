import type { MlflowClient, ModelVersion, SigningKey } from '@fcv/core'
import { getBundle, getBundleFor, insertBundle, type Bundle, type Db } from '../db/index.ts'
import type { Channel } from '../db/schema.ts'
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

/** Sends the bundle to every push target; any that still fails after its retries fails the step. */
export async function pushBundle(
  publishers: Publisher[],
  bundle: Bundle,
  channel: Channel,
  role: BundleRole,
  canaryShare?: number
): Promise<void> {
  await everywhere(publishers, 'the bundle could not be published', (p) =>
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

/** Tells every push target that a channel no longer has a canary or a shadow. */
export async function withdrawRole(
  publishers: Publisher[],
  model: string,
  channel: Channel,
  role: 'canary' | 'shadow'
): Promise<void> {
  await everywhere(publishers, `the ${role} could not be withdrawn`, (p) =>
    p.withdraw({ model, channel, role })
  )
}

async function everywhere(
  publishers: Publisher[],
  what: string,
  step: (p: Publisher) => Promise<void>
): Promise<void> {
  const failures: string[] = []
  await Promise.all(
    publishers.map((p) =>
      step(p).catch((e: Error) =>
        failures.push(e instanceof PublishError ? e.message : `${p.name}: ${e.message}`)
      )
    )
  )
  if (failures.length) throw new ApiError(502, 'publish_failed', `${what}: ${failures.join('; ')}`)
}
