// Test support: registers versions of a real fcv model (the committed fixture, trained by the
// trainer on the shipped sample) in a real MLflow server, with the tags evaluate and register
// would give it, so the control plane's gates and bundles see what production sees.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  calibratedWindowTags,
  championTagPrefix,
  type CalibratedWindow,
  type Channel,
  type MlflowClient,
} from '@fcv/core'

export const FIXTURE_MODEL = join(import.meta.dirname, 'model')

/**
 * Tags of a version that passes every gate against the champions it was evaluated against (per
 * channel, as evaluate tags them: `champion.<channel>.*`), or against none.
 */
export function goodTags(
  champions: Partial<Record<Channel, string>> = {},
  over: Record<string, string> = {}
): Record<string, string> {
  const scored = Object.entries(champions).flatMap(([channel, version]) => {
    const p = championTagPrefix(channel as Channel)
    return [
      [`${p}version`, version],
      [`${p}gini`, '0.85'],
      [`${p}rmse`, '910'],
    ]
  })
  return {
    'metric.gini': '0.86',
    'metric.rmse': '900',
    'metric.mae': '270',
    'metric.sum_ratio': '1.02',
    'metric.decile_mape': '0.15',
    'baseline.last_90d.gini': '0.72',
    'baseline.bgnbd_gamma_gamma.gini': '0.85',
    'fcv.feature_spec.version': 'v2',
    'fcv.horizon_days': '90',
    'fcv.currency': 'GBP',
    ...Object.fromEntries(scored),
    ...over,
  }
}

/**
 * A model with a calibrated window, as `fcv train` and `fcv register` make one: the fixture's
 * model.json with the window in its fcv metadata (the fixture was trained before windows were
 * recorded, so it has none), and the `fcv.calibrated_window.*` tags to add to a version's.
 */
export function withWindow(window: CalibratedWindow): {
  modelJson: Uint8Array
  tags: Record<string, string>
} {
  const doc = JSON.parse(readFileSync(join(FIXTURE_MODEL, 'model.json'), 'utf8'))
  doc.userDefinedMetadata.fcv.calibratedWindow = window
  return {
    modelJson: new TextEncoder().encode(JSON.stringify(doc)),
    tags: Object.fromEntries(calibratedWindowTags(window).map((t) => [t.key, t.value])),
  }
}

/** The fixture's model.json with a training profile in its fcv metadata, as `fcv train` writes it. */
export function withProfile(profile: unknown): Uint8Array {
  const doc = JSON.parse(readFileSync(join(FIXTURE_MODEL, 'model.json'), 'utf8'))
  doc.userDefinedMetadata.fcv.profile = profile
  return new TextEncoder().encode(JSON.stringify(doc))
}

export async function registerVersion(
  client: MlflowClient,
  name: string,
  tags: Record<string, string>,
  /** Files in place of the fixture's, e.g. a model.json the runtimes cannot score. */
  files: Partial<Record<'model.json' | 'weights.bin', Uint8Array>> = {}
): Promise<string> {
  const exp = await client.getOrCreateExperiment(`cp-${name}`)
  const run = await client.createRun(exp.experiment_id, 'fixture', [])
  const lm = await client.createLoggedModel(exp.experiment_id, 'model', 'tfjs-layers', run.run_id)
  for (const f of ['model.json', 'weights.bin'] as const) {
    await client.uploadArtifact(
      lm.artifact_uri,
      f,
      files[f] ?? readFileSync(join(FIXTURE_MODEL, f))
    )
  }
  await client.finalizeLoggedModel(lm.model_id, true)
  await client.updateRun(run.run_id, 'FINISHED')
  await client.getOrCreateRegisteredModel(name, 'control-plane test model')
  const v = await client.createModelVersion({
    name,
    source: lm.artifact_uri,
    runId: run.run_id,
    modelId: lm.model_id,
    tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
  })
  return v.version
}
