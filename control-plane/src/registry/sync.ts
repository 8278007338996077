import { MlflowError, type ModelVersion as MlflowVersion } from '@fcv/core'
import { getModelVersion, upsertModel, upsertModelVersion, type ModelVersion } from '../db/index.ts'
import { ApiError } from '../errors.ts'
import { metricsOfTags, tagsOf } from '../promotion/bundle-builder.ts'
import type { Services } from '../services.ts'

/** MLflow failures as API errors: unreachable is 503, a missing model or version 404. */
export function fromMlflow(e: unknown): never {
  if (e instanceof MlflowError) {
    if (e.errorCode === 'RESOURCE_DOES_NOT_EXIST') throw new ApiError(404, 'not_found', e.message)
    throw new ApiError(503, 'mlflow_unavailable', e.message)
  }
  throw e
}

/**
 * Mirrors one version. MLflow's version search does not return aliases, so they come from the
 * registered model's alias list when given (`aliases`), else from the version itself.
 */
async function mirror(s: Services, v: MlflowVersion, aliases?: string[]): Promise<ModelVersion> {
  const tags = tagsOf(v)
  await upsertModel(s.db.db, { name: v.name })
  return await upsertModelVersion(s.db.db, {
    modelName: v.name,
    version: v.version,
    source: v.source,
    runId: v.run_id ?? '',
    modelId: null,
    status: v.status,
    metrics: metricsOfTags(tags),
    tags,
    aliases: aliases ?? v.aliases ?? [],
    featureSpecVersion: tags['fcv.feature_spec.version'] ?? null,
    mlflowCreatedAt: null,
  })
}

/** One version, fresh from MLflow (with its tags, which the gates read), mirrored locally. */
export async function syncVersion(
  s: Services,
  model: string,
  version: string
): Promise<{ mirrored: ModelVersion; mlflow: MlflowVersion }> {
  const v = await s.mlflow.getModelVersion(model, version).catch(fromMlflow)
  return { mirrored: await mirror(s, v), mlflow: v }
}

/** Every version of a registered model (the publisher's "announce candidates"). */
export async function syncModel(s: Services, model: string): Promise<ModelVersion[]> {
  const rm = await s.mlflow.getRegisteredModel(model).catch(fromMlflow)
  if (!rm) throw new ApiError(404, 'not_found', `MLflow has no registered model "${model}"`)
  await upsertModel(s.db.db, { name: model, description: rm.description ?? null })
  const versions = await s.mlflow
    .searchModelVersions(`name='${model.replaceAll("'", "''")}'`)
    .catch(fromMlflow)
  const aliasesOf = (version: string) =>
    (rm.aliases ?? []).filter((a) => String(a.version) === version).map((a) => a.alias)
  const out: ModelVersion[] = []
  for (const v of versions) out.push(await mirror(s, v, aliasesOf(v.version)))
  return out
}

export async function localVersion(
  s: Services,
  model: string,
  version: string
): Promise<ModelVersion> {
  const v = await getModelVersion(s.db.db, model, version)
  if (!v)
    throw new ApiError(
      404,
      'not_found',
      `no version ${version} of "${model}" (sync it from MLflow first)`
    )
  return v
}
