import {
  buildBundle,
  createScorer,
  type BuiltBundle,
  type MlflowClient,
  type ModelVersion,
  type SigningKey,
  type TrainingProfile,
  windowOf,
} from '@fcv/core'
import { ApiError } from '../errors.ts'

/** The version's metrics, from its `metric.*` tags (what evaluate measured on the test set). */
export function metricsOfTags(tags: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(tags)) {
    if (!k.startsWith('metric.')) continue
    const n = Number(v)
    if (v !== '' && Number.isFinite(n)) out[k.slice('metric.'.length)] = n
  }
  return out
}

export function tagsOf(v: ModelVersion): Record<string, string> {
  return Object.fromEntries((v.tags ?? []).map((t) => [t.key, t.value]))
}

/**
 * Builds the signed bundle of a registered version: its model.json and weights.bin from MLflow
 * (through the artifact proxy), the manifest from what the model and its tags say (the calibrated
 * window and the training profile from model.json, so what serving flags and drift is measured
 * against is what the model itself records).
 */
export async function buildVersionBundle(
  mlflow: MlflowClient,
  version: ModelVersion,
  signer: SigningKey,
  trackingUri: string
): Promise<BuiltBundle> {
  const [modelJson, weights] = await Promise.all([
    mlflow.downloadArtifact(version.source, 'model.json'),
    mlflow.downloadArtifact(version.source, 'weights.bin'),
  ])
  let meta: Record<string, unknown>
  try {
    const json = JSON.parse(new TextDecoder().decode(modelJson)) as {
      userDefinedMetadata?: { fcv?: Record<string, unknown> }
    }
    meta = json.userDefinedMetadata?.fcv ?? {}
  } catch {
    throw new ApiError(
      422,
      'not_an_fcv_model',
      `version ${version.version}: model.json is not JSON`
    )
  }
  if (meta['format'] !== 'fcv-ziln') {
    throw new ApiError(
      422,
      'not_an_fcv_model',
      `version ${version.version} is not an fcv ZILN model`
    )
  }
  await checkServable(version.version, modelJson, weights)
  const tags = tagsOf(version)
  // Checked by checkServable (core's ScoringMetadataSchema); a model trained before has none.
  const calibratedWindow = windowOf(meta)
  // Checked by the same schema; the histograms drift is measured against, signed with the rest.
  const profile = meta['profile'] as TrainingProfile | undefined
  return await buildBundle(
    {
      manifest: {
        name: version.name,
        version: version.version,
        created: new Date().toISOString(),
        horizonDays: Number(tags['fcv.horizon_days'] ?? 90),
        currency: tags['fcv.currency'] ?? 'GBP',
        featureSpec: meta['featureSpec'] as { version: string },
        normalisation: meta['encoding'] as Record<string, unknown>,
        model: { format: 'fcv-ziln', formatVersion: Number(meta['formatVersion']) },
        metrics: metricsOfTags(tags),
        ...(calibratedWindow ? { calibratedWindow } : {}),
        ...(profile ? { profile } : {}),
        mlflow: {
          runId: version.run_id ?? '',
          modelVersion: version.version,
          trackingUri,
        },
      },
      modelJson,
      weights,
    },
    signer
  )
}

/**
 * Signs only a model every runtime can score: core's createScorer checks model.json's fcv metadata
 * against its schema and loads the network. The widget relies on it: it re-checks only the format
 * of a signed model.json (core/src/scoring/signed-scorer.ts).
 */
async function checkServable(version: string, modelJson: Uint8Array, weights: Uint8Array) {
  try {
    ;(await createScorer({ modelJson, weights, version })).dispose()
  } catch (e) {
    throw new ApiError(
      422,
      'model_not_servable',
      `version ${version} cannot be scored, so it is not signed: ${(e as Error).message}`
    )
  }
}
