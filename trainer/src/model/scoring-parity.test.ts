import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import {
  DenseModel,
  computeFeatures,
  createScorer,
  historyBatch,
  historyFromTransactions,
  parseModelJson,
  parseInstant,
  predictionParity,
  zilnColumns,
  zilnPredictRows,
  stackLogits,
  type FeatureSpec,
  type HistoryItem,
  type HistoryTransaction,
  type Prediction,
  type PredictionParity,
} from '@fcv/core'
import type { LayersModel, Tensor } from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { runFeatures } from '../features/index.ts'
import { readFeatureTable, type FeatureTable } from '../features/read-table.ts'
import { runIngest } from '../ingest/index.ts'
import { readInterim } from '../interim/index.ts'
import { loadParams } from '../params/load.ts'
import type { Params } from '../params/schema.ts'
import { loadTensorFlow, type LoadedTensorFlow } from './backend.ts'
import { encodeTable } from './encoding.ts'
import { runTrain } from './index.ts'
import { loadModel, type ModelMetadata } from './model-files.ts'
import { predictTable } from './predict.ts'

// Serving (core's createScorer, as the edge worker and the widget run it) against training: the
// shipped sample of the real log, ingested, featured and scored by the trainer's batch path, and the
// same customers' raw transactions scored at the same cutoff by the scorer. Also the interpreter
// against tfjs on the control plane's fixture model (trained by the trainer on the same sample).

const root = resolve(import.meta.dirname, '../../..')
const work = mkdtempSync(join(tmpdir(), 'fcv-scoring-'))
const fixture = join(root, 'control-plane/src/test-support/model')
const quiet = () => {}

function params(): Params {
  return loadParams(join(root, 'params.yaml'), [
    `data.path=${join(root, 'data/sample/online_retail_ii_sample.csv.gz')}`,
    `ingest.out_dir=${join(work, 'interim')}`,
    `features.out_dir=${join(work, 'processed')}`,
    `train.out_dir=${join(work, 'model')}`,
    'train.max_epochs=2',
    // a seed ensemble, fused into one wide Dense chain (ensemble.ts): what the trainer ships
    'train.ensemble=3',
    'register.enabled=false',
  ])
}

let loaded: LoadedTensorFlow
let testTable: FeatureTable
let testCutoff: number
/** Every customer's transactions from the interim log, in log order. */
const histories = new Map<string, HistoryTransaction[]>()

beforeAll(async () => {
  loaded = await loadTensorFlow()
  await runIngest(params(), { log: quiet, progress: false })
  await runFeatures(params(), { log: quiet })
  await runTrain(params(), { tf: loaded.tf, backend: loaded.backend, log: quiet })
  testTable = await readFeatureTable(join(work, 'processed/test.arrow'))
  testCutoff = parseInstant(params().features.test_cutoff)
  const tx = await readInterim(join(work, 'interim/transactions.arrow'))
  for (let i = 0; i < tx.length; i++) {
    const id = tx.customerIds[tx.customer[i] as number] as string
    let list = histories.get(id)
    if (!list) histories.set(id, (list = []))
    const order = tx.order[i] as number
    const product = tx.product[i] as number
    const country = tx.country[i] as number
    list.push({
      timestamp: tx.timestamp[i] as number,
      amountMinor: tx.amountMinor[i] as number,
      // interim keys stand for the ids: equal exactly when the ids are, which is all features read
      ...(order >= 0 ? { orderId: `order-${order}` } : {}),
      ...(product >= 0 ? { productId: `product-${product}` } : {}),
      ...(country >= 0 ? { country: tx.countries[country] as string } : {}),
    })
  }
}, 120_000)

const bytes = (dir: string) => ({
  modelJson: readFileSync(join(dir, 'model.json')),
  weights: readFileSync(join(dir, 'weights.bin')),
})

function itemsFor(ids: readonly string[]): HistoryItem[] {
  return ids.map((customerId) => ({ customerId, transactions: histories.get(customerId)! }))
}

function logits(tf: LoadedTensorFlow['tf'], model: LayersModel, x: Float32Array, rows: number) {
  return tf.tidy(() => {
    const width = x.length / rows
    return (model.predict(tf.tensor2d(x, [rows, width])) as Tensor).dataSync() as Float32Array
  })
}

function columnsOf(predictions: Prediction[]) {
  const out = zilnColumns(predictions.length)
  predictions.forEach((p, i) => {
    for (const key of ['expected', 'pBuy', 'p10', 'p50', 'p90'] as const) out[key][i] = p[key]
  })
  return out
}

function expectParity(parity: PredictionParity, rows: number): void {
  expect(parity.headMaxAbs).toBeLessThan(1e-5)
  expect(parity.unexplained).toEqual({ expected: 0, pBuy: 0, p10: 0, p50: 0, p90: 0 })
  expect(parity.illConditioned).toBeLessThan(rows * 0.01)
}

describe('serving parity on the shipped sample', () => {
  it("computes from raw histories the trainer's feature table at the test cutoff", async () => {
    const { metadata } = await loadModel(loaded.tf, join(work, 'model'))
    const spec: FeatureSpec = metadata.featureSpec
    expect(testTable.rows).toBeGreaterThan(500)
    const { columns, offsets } = historyBatch(
      testTable.customerIds.map((id) => histories.get(id)!),
      (i) => `customer ${testTable.customerIds[i]}`
    )
    testTable.customerIds.forEach((_, r) => {
      const h = { ...columns, start: offsets[r]!, end: offsets[r + 1]! }
      const vector = computeFeatures(h, testCutoff, spec, metadata.btyd)!
      const row = spec.features.map((f) =>
        f.kind === 'numeric' ? testTable.numeric[f.name]![r]! : testTable.categorical[f.name]![r]!
      )
      expect(vector).toEqual(row)
    })
  })

  it("scores raw histories as the trainer's batch path (predict.ts) scores its table", async () => {
    const { tf } = loaded
    const { model, metadata } = await loadModel(tf, join(work, 'model'))
    expect(metadata.ensemble?.members).toBe(3)
    const batch = predictTable(tf, model, metadata, testTable)
    const scorer = await createScorer({ ...bytes(join(work, 'model')), version: 'sample' })
    expect(scorer.engine).toBe('interpreter')
    const served = scorer.scoreHistories(itemsFor(testTable.customerIds), testCutoff)
    expect(served.map((p) => p.customerId)).toEqual(testTable.customerIds)
    // the served predictions are the interpreter's logits through the head...
    const x = encodeTable(metadata.encoding, testTable)
    const { modelJson, weights } = bytes(join(work, 'model'))
    const dense = DenseModel.fromModelJson(parseModelJson(modelJson), weights)
    const interpreted = Float64Array.from(dense.forward(x, testTable.rows))
    // The head's inputs: the network's outputs, blended with btyd_value when the model stacks.
    const headInputs = (raw: ArrayLike<number>): ArrayLike<number> => {
      if (!metadata.stack) return raw
      const out = new Float64Array(3 * testTable.rows)
      const btyd = testTable.numeric['btyd_value']!
      stackLogits(raw, testTable.rows, metadata, metadata.stack, btyd, out)
      return out
    }
    const fromLogits = zilnColumns(testTable.rows)
    zilnPredictRows(headInputs(interpreted), testTable.rows, metadata, fromLogits)
    expect(columnsOf(served)).toEqual(fromLogits)
    // ...which match the trainer's network and predictions
    const trained = logits(tf, model, x, testTable.rows)
    const parity = predictionParity(interpreted, trained, testTable.rows, metadata)
    expectParity(parity, testTable.rows)
    const reference = zilnColumns(testTable.rows)
    zilnPredictRows(headInputs(trained), testTable.rows, metadata, reference)
    expect(reference).toEqual(batch)
    model.dispose()
  })

  it('runs the fixture model as tfjs does, on 1,000 random rows and on real customers', async () => {
    const { tf } = loaded
    const { model, metadata } = await loadModel(tf, fixture)
    const scorer = await createScorer({ ...bytes(fixture), version: 'fixture' })
    expect(scorer.engine).toBe('interpreter')
    const { modelJson, weights } = bytes(fixture)
    const dense = DenseModel.fromModelJson(parseModelJson(modelJson), weights)
    const width = metadata.encoding.width

    // (a) 1,000 random rows of standard normal inputs
    let seed = 12345
    const uniform = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) + 0.5) / 2 ** 31
    const x = Float32Array.from(
      { length: 1000 * width },
      () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())
    )
    expectParity(
      predictionParity(dense.forward(x, 1000), logits(tf, model, x, 1000), 1000, metadata),
      1000
    )

    // (b) every customer of the sample with a purchase before the fixture's test cutoff, from raw
    // transactions through the scorer, against tfjs on the same customers' encoded features
    const ids = [...histories.keys()].filter((id) =>
      histories.get(id)!.some((t) => t.timestamp < testCutoff && t.amountMinor > 0)
    )
    expect(ids.length).toBeGreaterThan(800)
    const served = scorer.scoreHistories(itemsFor(ids), testCutoff)
    const real = realInputs(metadata, ids)
    const parity = predictionParity(
      dense.forward(real, ids.length),
      logits(tf, model, real, ids.length),
      ids.length,
      metadata
    )
    expectParity(parity, ids.length)
    expect(columnsOf(served)).toEqual(parity.got)
    model.dispose()
  })
})

/**
 * The encoded inputs of the customers' features at the test cutoff under the model's metadata, built
 * with historyFromTransactions (the per-customer path) rather than the scorer's batch layout.
 */
function realInputs(metadata: ModelMetadata, ids: string[]): Float32Array {
  const spec = metadata.featureSpec
  const numeric: Record<string, Float64Array> = {}
  const categorical: Record<string, string[]> = {}
  for (const f of spec.features) {
    if (f.kind === 'numeric') numeric[f.name] = new Float64Array(ids.length)
    else categorical[f.name] = []
  }
  ids.forEach((_, r) => {
    const customerId = ids[r]!
    const h = historyFromTransactions(histories.get(customerId)!.map((t) => ({ ...t, customerId })))
    const vector = computeFeatures(h, testCutoff, spec, metadata.btyd)!
    spec.features.forEach((f, k) => {
      if (f.kind === 'numeric') numeric[f.name]![r] = vector[k] as number
      else categorical[f.name]!.push(vector[k] as string)
    })
  })
  return encodeTable(metadata.encoding, {
    rows: ids.length,
    customerIds: ids,
    cutoffs: new Float64Array(ids.length),
    numeric,
    categorical,
    label: new Float64Array(ids.length),
    labelMinor: new Float64Array(ids.length),
  })
}
