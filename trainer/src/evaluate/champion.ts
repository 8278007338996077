// A channel's champion (channel-champions.ts finds them) scored on the candidate's test rows, so the
// promotion gates compare like with like. It is scored the way it serves: features computed from the
// test customers' histories with ITS feature spec and BG/NBD x Gamma-Gamma fit, encoded with ITS
// encoding, through the same network scoring as the candidate. MLflow failures (server down, refused
// credentials) fail evaluate; a champion that cannot be scored (files missing, another spec version,
// another horizon) is recorded as failed, for every channel it serves.

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  FEATURE_SPEC_VERSION,
  SCORING_FORMAT_VERSIONS,
  computeFeatures,
  defineFeatureSpec,
  type Channel,
  type FeatureSpec,
  type History,
  type MlflowClient,
} from '@fcv/core'
import type { LayersModel } from '@tensorflow/tfjs'
import type { FeatureTable } from '../features/read-table.ts'
import { downloadModelFiles } from '../mlflow/download-model.ts'
import { MODEL_FILES, loadModel, type ModelMetadata } from '../model/model-files.ts'
import type { TF } from '../model/tf.ts'
import { championModelName, type ChampionVersion } from './channel-champions.ts'
import type { ScoredModel } from './index.ts'
import { scoreNetwork } from './score-network.ts'

/** A champion version's model, loaded, or why it could not be. */
export type Champion = { found: ChampionVersion } & (
  { model: LayersModel; metadata: ModelMetadata } | { error: string }
)

/** A champion that cannot be scored as it would serve. */
export class ChampionError extends Error {
  override name = 'ChampionError'
}

/** The version's model.json and weights.bin, downloaded through the artifact proxy and loaded. */
export async function loadChampion(
  tf: TF,
  client: MlflowClient,
  found: ChampionVersion
): Promise<Champion> {
  const { label, source } = found
  const files = await downloadModelFiles(client, source)
  if ('missing' in files) return { found, error: `${label} has no ${files.missing} at ${source}` }
  const dir = await mkdtemp(join(tmpdir(), 'fcv-champion-'))
  try {
    await writeFile(join(dir, MODEL_FILES.model), files.modelJson)
    await writeFile(join(dir, MODEL_FILES.weights), files.weights)
    try {
      return { found, ...(await loadModel(tf, dir)) }
    } catch (e) {
      // Foreign files: whatever is wrong with them is the champion's failure, not evaluate's.
      const why = (e as Error).message.replaceAll(dir, source)
      return { found, error: `cannot load ${label}: ${why}` }
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * Why the champion cannot be scored on these test rows as it would serve, or null: a feature spec
 * this fcv does not compute, or labels of another horizon or money in other units than the test's.
 */
export function incompatibility(
  label: string,
  meta: ModelMetadata,
  test: FeatureSpec
): string | null {
  const spec = meta.featureSpec
  if (!SCORING_FORMAT_VERSIONS.includes(meta.formatVersion as number)) {
    return (
      `${label} is an fcv model of format ${String(meta.formatVersion)}; this fcv scores format ` +
      SCORING_FORMAT_VERSIONS.join(' and ')
    )
  }
  if (spec.version !== FEATURE_SPEC_VERSION) {
    return (
      `${label} was trained on feature spec ${String(spec.version)}; this fcv computes ` +
      `${FEATURE_SPEC_VERSION}, so it cannot be scored as it serves`
    )
  }
  const ours = defineFeatureSpec({
    horizonDays: spec.horizonDays,
    capDays: spec.capDays,
    currencyExponent: spec.currencyExponent,
    countryTopK: spec.countryTopK,
  })
  const names = (s: FeatureSpec) => s.features.map((f) => `${f.name}:${f.kind}`).join(',')
  if (names(spec) !== names(ours)) {
    return `${label}: its feature spec ${spec.version} lists other features than this fcv's`
  }
  if (spec.horizonDays !== test.horizonDays) {
    return `${label} predicts ${spec.horizonDays} days; the test labels are ${test.horizonDays} days`
  }
  if (spec.currencyExponent !== test.currencyExponent) {
    return (
      `${label} counts money in units of 10^-${spec.currencyExponent}; ` +
      `this log in 10^-${test.currencyExponent}`
    )
  }
  return null
}

/**
 * The test rows as the champion sees them: each customer's features at t0 computed with the
 * champion's spec and BG/NBD x Gamma-Gamma fit; ids and labels are the test table's.
 */
export function championFeatures(
  histories: readonly History[],
  t0: number,
  test: FeatureTable,
  meta: ModelMetadata
): FeatureTable {
  const spec = meta.featureSpec
  const n = test.rows
  const numeric: Record<string, Float64Array> = {}
  const categorical: Record<string, string[]> = {}
  for (const f of spec.features) {
    if (f.kind === 'numeric') numeric[f.name] = new Float64Array(n)
    else categorical[f.name] = new Array<string>(n)
  }
  histories.forEach((h, i) => {
    const vector = computeFeatures(h, t0, spec, meta.btyd)
    if (!vector) {
      throw new ChampionError(`test customer ${test.customerIds[i]} has no purchase before t0`)
    }
    spec.features.forEach((f, j) => {
      const v = vector[j]
      if (f.kind === 'numeric') numeric[f.name]![i] = v as number
      else categorical[f.name]![i] = v as string
    })
  })
  return {
    rows: n,
    customerIds: test.customerIds,
    cutoffs: test.cutoffs,
    numeric,
    categorical,
    label: test.label,
    labelMinor: test.labelMinor,
  }
}

/**
 * The champion's rows of the comparison, one per channel it serves (`champion_edge`, ...), all with
 * the metrics of one scoring on the test rows, or failed with the reason. Disposes its model.
 */
export function scoreChampion(
  tf: TF,
  champion: Champion,
  test: { histories: readonly History[]; t0: number; table: FeatureTable; spec: FeatureSpec },
  log: (line: string) => void
): Partial<Record<Channel, ScoredModel>> {
  const { channels, label } = champion.found
  const rows = (result: Pick<ScoredModel, 'evaluation' | 'error'>) =>
    Object.fromEntries(
      channels.map((c) => [
        c,
        {
          name: championModelName(c),
          description: `${c} champion: ${label} (its own feature spec, encoding and BG/NBD x Gamma-Gamma fit)`,
          ...result,
        },
      ])
    )
  const failed = (error: string) => {
    log(`evaluate: the ${channels.join(' and ')} champion could not be scored: ${error}`)
    return rows({ evaluation: null, error })
  }
  if ('error' in champion) return failed(champion.error)
  const { model, metadata } = champion
  try {
    const problem = incompatibility(label, metadata, test.spec)
    if (problem) return failed(problem)
    const table = championFeatures(test.histories, test.t0, test.table, metadata)
    const { evaluation } = scoreNetwork(tf, model, metadata, table)
    return rows({ evaluation, error: null })
  } catch (e) {
    // The champion's files are foreign input (an encoding without a column, a fit out of range, a
    // network of another width): a champion that cannot be scored must not stop the candidate's.
    if (!(e instanceof Error)) throw e
    return failed(`${label}: ${e.message}`)
  } finally {
    model.dispose()
  }
}
