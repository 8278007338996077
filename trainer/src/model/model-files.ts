// A trained model on disk, in TensorFlow.js layers format: model.json (topology, weights manifest, and
// under userDefinedMetadata.fcv what scoring needs besides the weights: feature spec, encoding, value
// clamp) and weights.bin, plus training.json (the per-epoch curve, for reports). Written to a
// temporary directory and swapped into place, so a failed run leaves the previous model whole.
// Node's tfjs has no file:// handler without tfjs-node, so both directions go through memory.

import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { BtydParams, CalibratedWindow, FeatureSpec, Stack, TrainingProfile } from '@fcv/core'
import type { LayersModel, io } from '@tensorflow/tfjs'
import { writeDirAtomically } from '../io/atomic-dir.ts'
import type { FeatureEncoding } from './encoding.ts'
import type { LevelAdjustment } from './level.ts'
import type { TF } from './tf.ts'
import type { TrainResult } from './train-loop.ts'

export const MODEL_FILES = {
  model: 'model.json',
  weights: 'weights.bin',
  training: 'training.json',
}

/** What userDefinedMetadata.fcv holds. */
export interface ModelMetadata {
  format: 'fcv-ziln'
  formatVersion: 2 | 3
  featureSpec: FeatureSpec
  encoding: FeatureEncoding
  /** Clamp on log(value) for the mean and the quantiles (core/src/model/ziln.ts). */
  maxLogValue: number
  /** Cap on sigma: the sd of log(label) over the training buyers (core/src/model/ziln.ts). */
  maxSigma: number
  /** The BG/NBD x Gamma-Gamma fit btyd_value is scored with: the one at the test cutoff. */
  btyd: BtydParams
  headLayer: string
  backend: string
  seed: number
  /**
   * The seed ensemble the network averages (ensemble.ts): its members' number and seeds; absent from
   * models trained before ensembles, which are single networks.
   */
  ensemble?: { members: number; seeds: number[] }
  /** The blend with btyd_value every runtime applies (core's stack.ts), when trained with one. */
  stack?: Stack
  /** How the total was set for the horizon after the cutoff (level.ts). */
  levelAdjustment: LevelAdjustment | null
  /**
   * The days the model is calibrated for predictions as of: [test cutoff, test cutoff + horizon),
   * and whether a level adjustment for them is folded in (core/src/serving/calibrated-window.ts).
   * `fcv train` always writes it; models trained before have none.
   */
  calibratedWindow?: CalibratedWindow
  /**
   * The test cutoff's features and the model's predictions on them, bucketed: what drift is
   * measured against (profile.ts). `fcv train` writes it; models trained before have none.
   */
  profile?: TrainingProfile
  /** The network's total at the validation cutoff before the refit, against the labels'. */
  validationLevel: ValidationLevel | null
}

export interface ValidationLevel {
  cutoff: string
  predicted: number
  actual: number
}

export interface ModelJson {
  modelTopology: unknown
  format?: string
  generatedBy?: string
  convertedBy?: string | null
  weightsManifest: { paths: string[]; weights: io.WeightsManifestEntry[] }[]
  userDefinedMetadata?: { fcv?: ModelMetadata }
}

export async function saveModel(
  tf: TF,
  model: LayersModel,
  dir: string,
  metadata: ModelMetadata,
  training: TrainResult
): Promise<void> {
  await writeDirAtomically(dir, async (tmp) => {
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const weights = tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? [])
        const json: ModelJson = {
          modelTopology: artifacts.modelTopology,
          format: artifacts.format,
          generatedBy: artifacts.generatedBy,
          convertedBy: artifacts.convertedBy ?? null,
          weightsManifest: [{ paths: [MODEL_FILES.weights], weights: artifacts.weightSpecs ?? [] }],
          userDefinedMetadata: { fcv: metadata },
        }
        await writeFile(join(tmp, MODEL_FILES.model), JSON.stringify(json, null, 1) + '\n')
        await writeFile(join(tmp, MODEL_FILES.weights), new Uint8Array(weights))
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) }
      })
    )
    await writeFile(join(tmp, MODEL_FILES.training), JSON.stringify(training, null, 1) + '\n')
  })
}

export class ModelFileError extends Error {
  override name = 'ModelFileError'
}

/** model.json as written by saveModel, checked to be an fcv model; no TensorFlow needed. */
export async function readModelJson(dir: string): Promise<ModelJson & { metadata: ModelMetadata }> {
  const path = join(dir, MODEL_FILES.model)
  let json: ModelJson
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as ModelJson
  } catch (e) {
    throw new ModelFileError(`${path}: cannot read the model (${(e as Error).message})`, {
      cause: e,
    })
  }
  const metadata = json.userDefinedMetadata?.fcv
  if (metadata?.format !== 'fcv-ziln') {
    throw new ModelFileError(`${path}: not an fcv ZILN model (no userDefinedMetadata.fcv)`)
  }
  return { ...json, metadata }
}

export async function loadModel(
  tf: TF,
  dir: string
): Promise<{ model: LayersModel; metadata: ModelMetadata }> {
  const { metadata, ...json } = await readModelJson(dir)
  const bytes = await readFile(join(dir, MODEL_FILES.weights))
  // An exact ArrayBuffer: a Buffer may be a view into a larger pooled one (tfjs-formats.md).
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology as object,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData,
      ...(json.format === undefined ? {} : { format: json.format }),
      ...(json.generatedBy === undefined ? {} : { generatedBy: json.generatedBy }),
    })
  )
  return { model, metadata }
}
