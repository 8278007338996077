// Test support (imported by the *.test.ts files here and the edge worker's parity test): small fcv models built with tfjs-layers
// in memory and saved as a bundle carries them (model.json text, weights.bin bytes), seeded random
// data, and tfjs's own forward pass as the oracle.

import type { LayersModel } from '@tensorflow/tfjs-layers'
import { EXAMPLE_BTYD_PARAMS } from '../btyd/example-params.ts'
import type { FeatureVector } from '../features/compute.ts'
import { defineFeatureSpec } from '../features/definitions.ts'
import { softplusInverse } from '../model/ziln.ts'
import { Random } from '../random.ts'
import { DAY_MS } from '../time.ts'
import type { FeatureEncoding } from './encoding.ts'
import type { HistoryTransaction } from './histories.ts'
import type { ScoringMetadata } from './metadata.ts'
import type { ModelJsonDocument } from './model-json.ts'
import { loadTfjs } from './tfjs-fallback.ts'

/** A seeded uniform stream in (0, 1), as the data helpers here draw. */
export function random(seed: number): () => number {
  const source = new Random(seed)
  return () => source.uniform()
}

export const SPEC = defineFeatureSpec({
  horizonDays: 90,
  capDays: 730,
  currencyExponent: 2,
  countryTopK: 12,
})

export const COUNTRIES = [
  'United Kingdom',
  'EIRE',
  'Germany',
  'France',
  'Netherlands',
  'Spain',
  'Portugal',
  'Belgium',
  'Switzerland',
  'Sweden',
  'Japan',
  'Australia',
]

/** An encoding of the v2 spec with plausible statistics: 26 numeric inputs + 13 country columns. */
export function exampleEncoding(seed = 7): FeatureEncoding {
  const rand = random(seed)
  const numeric = SPEC.features
    .filter((f) => f.kind === 'numeric')
    .map((f) => ({
      name: f.name,
      transform: 'slog1p' as const,
      mean: 4 * rand(),
      std: 0.3 + 2 * rand(),
    }))
  return {
    specVersion: SPEC.version,
    numeric,
    categorical: [{ name: 'country', vocabulary: COUNTRIES }],
    width: numeric.length + COUNTRIES.length + 1,
  }
}

export function exampleMetadata(encoding = exampleEncoding()): ScoringMetadata {
  return {
    format: 'fcv-ziln',
    formatVersion: 2,
    featureSpec: SPEC,
    encoding,
    maxLogValue: 10,
    maxSigma: 1.5,
    btyd: EXAMPLE_BTYD_PARAMS,
    headLayer: 'ziln_head',
  } as ScoringMetadata
}

export interface NetworkOptions {
  inputWidth?: number
  hidden?: readonly number[]
  activation?: string
  seed?: number
  /** Added after the first hidden layer (with random weights where it has any). */
  extra?: 'batchNormalization' | 'dropout'
}

/** The trainer's ZILN network shape (network.ts) with weights large enough to vary the outputs. */
export async function zilnNetwork(o: NetworkOptions = {}): Promise<LayersModel> {
  const { tf, tfl } = await loadTfjs()
  const seed = o.seed ?? 1
  const model = tfl.sequential({ name: 'fcv_ziln' })
  ;(o.hidden ?? [64, 32]).forEach((units, k) => {
    model.add(
      tfl.layers.dense({
        name: `hidden_${k + 1}`,
        units,
        activation: 'relu',
        kernelInitializer: tfl.initializers.heNormal({ seed: seed + k }),
        biasInitializer: tfl.initializers.randomNormal({
          mean: 0,
          stddev: 0.1,
          seed: seed + 50 + k,
        }),
        ...(k === 0 ? { inputShape: [o.inputWidth ?? 39] } : {}),
      })
    )
    if (k === 0 && o.extra === 'dropout') model.add(tfl.layers.dropout({ rate: 0.3, name: 'drop' }))
    if (k === 0 && o.extra === 'batchNormalization') {
      model.add(tfl.layers.batchNormalization({ name: 'norm' }))
    }
  })
  model.add(
    tfl.layers.dense({
      name: 'ziln_head',
      units: 3,
      activation: 'linear',
      kernelInitializer: tfl.initializers.glorotNormal({ seed: seed + 99 }),
    })
  )
  // The head starts where the trainer's does: about a third buying, log-spend around 4, sigma 1.
  const head = model.getLayer('ziln_head')
  const [kernel] = head.getWeights()
  const bias = tf.tensor1d([Math.log(0.35 / 0.65), 4, softplusInverse(1)])
  head.setWeights([kernel!, bias])
  bias.dispose()
  if (o.extra === 'batchNormalization') {
    const norm = model.getLayer('norm')
    const rand = random(seed + 7)
    const weights = norm.getWeights().map((w, i) => {
      const n = w.shape[0] as number
      // gamma, beta, moving mean, moving variance (> 0)
      return tf.tensor1d(Array.from({ length: n }, () => (i === 3 ? 0.2 + rand() : rand() - 0.3)))
    })
    norm.setWeights(weights)
    weights.forEach((w) => w.dispose())
  }
  return model
}

/**
 * `members` networks of [h1, h2] ReLU units on `inputs` inputs, fused as the trainer fuses a seed
 * ensemble: hidden layers members x wide, the second block-diagonal (a unit reads its own member's
 * units only), one linear 3-unit head. Layers h1, h2, head.
 */
export async function fusedEnsemble(
  members: number,
  inputs: number,
  [h1, h2]: [number, number]
): Promise<LayersModel> {
  const { tf, tfl } = await loadTfjs()
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({
        name: 'h1',
        units: h1 * members,
        activation: 'relu',
        inputShape: [inputs],
      }),
      tfl.layers.dense({ name: 'h2', units: h2 * members, activation: 'relu' }),
      tfl.layers.dense({ name: 'head', units: 3 }),
    ],
  })
  const layer = model.getLayer('h2')
  const [kernel, bias] = layer.getWeights()
  const k = kernel!.dataSync().slice() as Float32Array
  for (let i = 0; i < h1 * members; i++)
    for (let j = 0; j < h2 * members; j++)
      if (Math.floor(i / h1) !== Math.floor(j / h2)) k[i * h2 * members + j] = 0
  layer.setWeights([tf.tensor(k, kernel!.shape), bias!])
  return model
}

export interface SavedModel {
  /** model.json as parsed JSON (stringify it for createScorer). */
  doc: ModelJsonDocument
  weights: Uint8Array
}

/** model.json and weights.bin as the trainer writes them (model-files.ts), with fcv metadata. */
export async function saveModel(
  model: LayersModel,
  metadata: ScoringMetadata | undefined = exampleMetadata()
): Promise<SavedModel> {
  const { tf } = await loadTfjs()
  let saved: SavedModel | undefined
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = {
        doc: {
          modelTopology: artifacts.modelTopology,
          format: artifacts.format!,
          generatedBy: artifacts.generatedBy!,
          convertedBy: artifacts.convertedBy ?? null,
          weightsManifest: [
            {
              paths: ['weights.bin'],
              weights: (artifacts.weightSpecs ??
                []) as ModelJsonDocument['weightsManifest'][0]['weights'],
            },
          ],
          ...(metadata ? { userDefinedMetadata: { fcv: metadata } } : {}),
        },
        weights: new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? [])),
      }
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) }
    })
  )
  return saved!
}

/** A deep copy of a saved model's document, to edit. */
export function copyDoc(doc: ModelJsonDocument): ModelJsonDocument {
  return JSON.parse(JSON.stringify(doc)) as ModelJsonDocument
}

/** tfjs's outputs for rows x width inputs (the oracle). */
export async function tfjsPredict(model: LayersModel, x: Float32Array, rows: number) {
  const { tf } = await loadTfjs()
  const width = x.length / rows
  return tf.tidy(() => {
    const y = model.predict(tf.tensor2d(x, [rows, width]))
    return (Array.isArray(y) ? y[0]! : y).dataSync() as Float32Array
  })
}

/** rows x width standard normal inputs, float32. */
export function randomInputs(rows: number, width: number, seed: number): Float32Array {
  const source = new Random(seed)
  return Float32Array.from({ length: rows * width }, () => source.normal())
}

export const AS_OF = Date.UTC(2011, 5, 12)

/**
 * Random histories with what trips a builder up: lines of one order and of one day, returns, ties in
 * time, rows out of order, missing and empty ids, the same ids in other customers, lines after asOf.
 */
export function randomHistories(customers: number, seed: number): HistoryTransaction[][] {
  const rand = random(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  return Array.from({ length: customers }, () => {
    const lines: HistoryTransaction[] = []
    const orders = 1 + Math.floor(rand() * 12)
    const withOrderIds = rand() < 0.85
    const country = rand() < 0.1 ? undefined : pick([...COUNTRIES, 'Atlantis', ''])
    for (let o = 0; o < orders; o++) {
      const t = AS_OF - Math.floor(rand() * 800 * DAY_MS) + (rand() < 0.05 ? 30 * DAY_MS : 0)
      const orderId = withOrderIds ? pick([`A${o}`, `C${o}`, `${o}`, '']) : undefined
      const sign = rand() < 0.1 ? -1 : 1
      for (let l = 1 + Math.floor(rand() * 5); l > 0; l--) {
        lines.push({
          timestamp: t + (rand() < 0.3 ? 0 : Math.floor(rand() * 3) * 60_000),
          amountMinor: sign * (1 + Math.floor(rand() * 5000)),
          ...(orderId === undefined ? {} : { orderId }),
          ...(rand() < 0.05 ? {} : { productId: pick(['P1', 'P2', 'P3', '85123A', '', 'X']) }),
          ...(country === undefined ? {} : { country }),
          quantity: 1 + Math.floor(rand() * 4),
        })
      }
    }
    // mostly in time order, as logs are; some customers shuffled
    if (rand() < 0.3) lines.sort(() => rand() - 0.5)
    else lines.sort((a, b) => a.timestamp - b.timestamp)
    return lines
  })
}

/** Random vectors in spec order: heavy-tailed numbers of both signs, and known, unseen and "" countries. */
export function randomVectors(rows: number, seed: number): FeatureVector[] {
  const source = new Random(seed)
  const rand = () => source.uniform()
  const draw = () => source.normal()
  const countries = [...COUNTRIES, 'Atlantis', '']
  return Array.from({ length: rows }, () =>
    SPEC.features.map((f) =>
      f.kind === 'numeric'
        ? Math.sign(draw()) * Math.expm1(Math.abs(draw()) * 4)
        : countries[Math.floor(rand() * countries.length)]!
    )
  )
}
