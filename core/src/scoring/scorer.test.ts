import { describe, expect, it } from 'vitest'
import { EXAMPLE_BTYD_PARAMS } from '../btyd/example-params.ts'
import { computeFeatures } from '../features/compute.ts'
import { historyFromTransactions } from '../features/history.ts'
import type { Transaction } from '../transaction.ts'
import { encodeVectors, FeatureEncoder } from './encoding.ts'
import {
  ModelFormatError,
  NoPurchaseBeforeAsOfError,
  ScoringInputError,
  UnsupportedModelError,
} from './errors.ts'
import { zilnColumns, zilnPredictRows, zilnVarianceRows, type ZilnColumns } from './head.ts'
import type { ScoringMetadata } from './metadata.ts'
import { maxRelDiff, predictionParity } from './parity.ts'
import { parseModelJson } from './model-json.ts'
import { createScorer, type Prediction } from './scorer.ts'
import { DenseModel } from './dense-model.ts'
import {
  AS_OF,
  SPEC,
  copyDoc,
  exampleMetadata,
  randomHistories,
  randomVectors,
  saveModel,
  tfjsPredict,
  zilnNetwork,
  type SavedModel,
} from './test-models.ts'
import { loadTfjsModel } from './tfjs-fallback.ts'

const metadata = exampleMetadata()
const scorerOf = (saved: SavedModel, version = '7') =>
  createScorer({ modelJson: JSON.stringify(saved.doc), weights: saved.weights, version })

/** What tfjs predicts for the vectors: the encoding, tfjs's forward pass, the ZILN head. */
async function oracle(
  model: Awaited<ReturnType<typeof zilnNetwork>>,
  vectors: (number | string)[][]
): Promise<ZilnColumns> {
  const x = encodeVectors(new FeatureEncoder(metadata.encoding, SPEC), vectors)
  const logits = await tfjsPredict(model, x, vectors.length)
  const out = zilnColumns(vectors.length)
  zilnPredictRows(logits, vectors.length, metadata, out)
  return out
}

/**
 * The interpreter's predictions for the vectors against tfjs's (test-models.ts predictionParity),
 * after checking that the scorer returned exactly the interpreter's.
 */
async function expectTfjsParity(
  saved: SavedModel,
  model: Awaited<ReturnType<typeof zilnNetwork>>,
  vectors: (number | string)[][],
  predictions: Prediction[]
): Promise<void> {
  const rows = vectors.length
  const x = encodeVectors(new FeatureEncoder(metadata.encoding, SPEC), vectors)
  const dense = DenseModel.fromModelJson(parseModelJson(JSON.stringify(saved.doc)), saved.weights)
  const parity = predictionParity(
    dense.forward(x, rows),
    await tfjsPredict(model, x, rows),
    rows,
    metadata
  )
  for (const key of ['expected', 'pBuy', 'p10', 'p50', 'p90'] as const) {
    expect(Float64Array.from(predictions, (p) => p[key])).toEqual(parity.got[key])
  }
  expect(parity.headMaxAbs).toBeLessThan(1e-5)
  expect(parity.unexplained).toEqual({ expected: 0, pBuy: 0, p10: 0, p50: 0, p90: 0 })
  expect(parity.illConditioned).toBeLessThan(rows * 0.01)
}

function expectClose(got: Prediction[], expected: ZilnColumns, tolerance: number): void {
  for (const key of ['expected', 'pBuy', 'p10', 'p50', 'p90'] as const) {
    const column = Float64Array.from(got, (p) => p[key])
    expect(maxRelDiff(column, expected[key]), key).toBeLessThanOrEqual(tolerance)
  }
}

const rowsOf = (vectors: (number | string)[][]) =>
  vectors.map((features, i) => ({ customerId: `c${i}`, features }))

const errorOf = (f: () => unknown): Error => {
  try {
    f()
  } catch (e) {
    return e as Error
  }
  throw new Error('did not throw')
}

describe('createScorer', () => {
  it('scores 1,000 random feature rows as tfjs does, through the interpreter', async () => {
    const model = await zilnNetwork()
    const saved = await saveModel(model, metadata)
    const scorer = await scorerOf(saved)
    expect([scorer.engine, scorer.version, scorer.featureSpecVersion]).toEqual([
      'interpreter',
      '7',
      'v2',
    ])
    const vectors = randomVectors(1000, 21)
    const predictions = scorer.scoreFeatures(rowsOf(vectors))
    expect(predictions[3]).toMatchObject({
      customerId: 'c3',
      modelVersion: '7',
      featureSpecVersion: 'v2',
    })
    await expectTfjsParity(saved, model, vectors, predictions)
    // the rows span buyers and non-buyers, so the quantiles' zero branch is exercised as well
    expect(predictions.some((p) => p.p50 === 0) && predictions.some((p) => p.p50 > 0)).toBe(true)
    model.dispose()
  })

  it('takes features in spec order or by name alike, and an empty batch', async () => {
    const model = await zilnNetwork({ seed: 2 })
    const scorer = await scorerOf(await saveModel(model, metadata))
    const vectors = randomVectors(30, 22)
    const byName = vectors.map((v, i) => ({
      customerId: `c${i}`,
      features: Object.fromEntries(SPEC.features.map((f, k) => [f.name, v[k]!]).reverse()),
    }))
    expect(scorer.scoreFeatures(byName)).toEqual(scorer.scoreFeatures(rowsOf(vectors)))
    expect(scorer.scoreFeatures([])).toEqual([])
    expect(scorer.scoreHistories([], AS_OF)).toEqual([])
    model.dispose()
  })

  it("gives scoreFeatures' predictions with each one's variance, from the same head outputs", async () => {
    const model = await zilnNetwork({ seed: 4 })
    const saved = await saveModel(model, metadata)
    const scorer = await scorerOf(saved)
    const vectors = randomVectors(50, 24)
    const { predictions, variance } = scorer.scoreFeaturesWithVariance(rowsOf(vectors))
    expect(predictions).toEqual(scorer.scoreFeatures(rowsOf(vectors)))
    const x = encodeVectors(new FeatureEncoder(metadata.encoding, SPEC), vectors)
    const dense = DenseModel.fromModelJson(parseModelJson(JSON.stringify(saved.doc)), saved.weights)
    const want = new Float64Array(vectors.length)
    zilnVarianceRows(dense.forward(x, vectors.length), vectors.length, metadata, want)
    expect(variance).toEqual(want)
    expect(variance.every((v, i) => v >= 0 && v > 0 === predictions[i]!.expected > 0)).toBe(true)
    expect(scorer.scoreFeaturesWithVariance([])).toEqual({
      predictions: [],
      variance: new Float64Array(0),
    })
    model.dispose()
  })

  it('scores raw histories as computeFeatures, the encoding and the network do', async () => {
    const model = await zilnNetwork({ seed: 3 })
    const saved = await saveModel(model, metadata)
    const scorer = await scorerOf(saved)
    const items = randomHistories(300, 23)
      .map((transactions, i) => ({ customerId: `c${i}`, transactions }))
      .filter((item) => item.transactions.some((t) => t.timestamp < AS_OF && t.amountMinor > 0))
    expect(items.length).toBeGreaterThan(200)
    const vectors = items.map((item) => {
      const h = historyFromTransactions(
        item.transactions.map((t) => ({ ...t, customerId: item.customerId }) as Transaction)
      )
      return computeFeatures(h, AS_OF, SPEC, EXAMPLE_BTYD_PARAMS)!
    })
    const fromHistories = scorer.scoreHistories(items, AS_OF)
    // Each row under its item's id (the filter above leaves gaps in c0, c1, …).
    const rows = items.map((item, i) => ({ customerId: item.customerId, features: vectors[i]! }))
    expect(fromHistories).toEqual(scorer.scoreFeatures(rows))
    expect(scorer.scoreHistories(items, new Date(AS_OF))).toEqual(fromHistories)
    await expectTfjsParity(saved, model, vectors, fromHistories)
    model.dispose()
  })

  it('blends the mean with btyd_value for a stacked model, from histories and features alike', async () => {
    const model = await zilnNetwork({ seed: 5 })
    const plain = await scorerOf(await saveModel(model, metadata))
    const stack = { networkWeight: 0.4, btydScale: 1.3 }
    const stacked = await scorerOf(await saveModel(model, { ...metadata, formatVersion: 3, stack }))
    const items = randomHistories(200, 25)
      .map((transactions, i) => ({ customerId: `c${i}`, transactions }))
      .filter((item) => item.transactions.some((t) => t.timestamp < AS_OF && t.amountMinor > 0))
    const vectors = stacked.historyFeatures(items, AS_OF) as (number | string)[][]
    const at = SPEC.features.findIndex((f) => f.name === 'btyd_value')
    const got = stacked.scoreHistories(items, AS_OF)
    const base = plain.scoreHistories(items, AS_OF)
    got.forEach((p, i) => {
      const want = 0.4 * base[i]!.expected + 0.6 * 1.3 * (vectors[i]![at] as number)
      expect(p.expected / want - 1).toBeCloseTo(0, 10)
      expect(p.pBuy).toBe(base[i]!.pBuy)
    })
    const rows = items.map((item, i) => ({ customerId: item.customerId, features: vectors[i]! }))
    expect(stacked.scoreFeatures(rows)).toEqual(got)
    // A stack in a version 2 model would be ignored by a runtime that reads 2 only: refused.
    await expect(scorerOf(await saveModel(model, { ...metadata, stack }))).rejects.toThrow(
      /stack: needs formatVersion 3/
    )
    model.dispose()
  })

  it('scores a model with a layer the interpreter lacks through tfjs, as tfjs does', async () => {
    const model = await zilnNetwork({ extra: 'batchNormalization', seed: 4 })
    const scorer = await scorerOf(await saveModel(model, metadata))
    expect([scorer.engine, scorer.kernel]).toEqual(['tfjs', null])
    const vectors = randomVectors(200, 24)
    const predictions = scorer.scoreFeatures(rowsOf(vectors))
    expectClose(predictions, await oracle(model, vectors), 1e-6)
    const items = randomHistories(50, 25)
      .map((transactions, i) => ({ customerId: `h${i}`, transactions }))
      .filter((item) => item.transactions.some((t) => t.timestamp < AS_OF && t.amountMinor > 0))
    expect(scorer.scoreHistories(items, AS_OF)).toHaveLength(items.length)
    model.dispose()
  })

  it('fails clearly, from the interpreter and from tfjs, on an activation neither knows', async () => {
    const model = await zilnNetwork()
    const saved = await saveModel(model, metadata)
    const doc = copyDoc(saved.doc)
    const layers = (doc.modelTopology as { config: { layers: { config: object }[] } }).config.layers
    Object.assign(layers[0]!.config, { activation: 'swishy' })
    await expect(loadTfjsModel(parseModelJson(doc), saved.weights)).rejects.toThrow(
      new ModelFormatError(
        'tfjs cannot load the model: Unknown activation: swishy. This may be due to one of the following reasons:'
      )
    )
    const error = await scorerOf({ doc, weights: saved.weights }).catch((e: Error) => e)
    expect(error).toBeInstanceOf(UnsupportedModelError)
    expect((error as UnsupportedModelError).unsupported).toBe('activation swishy')
    expect((error as Error).message).toMatch(
      /layer "hidden_1" \(Dense\) has activation "swishy".*; the tfjs fallback cannot load the model either: tfjs cannot load the model: Unknown activation: swishy/
    )
    model.dispose()
  })

  it('refuses a bundle it cannot score, saying why', async () => {
    const model = await zilnNetwork()
    const saved = await saveModel(model, metadata)
    const withMetadata = async (m: object | undefined) => {
      const doc = copyDoc(saved.doc)
      doc.userDefinedMetadata = m === undefined ? {} : { fcv: m }
      return scorerOf({ doc, weights: saved.weights }).catch((e: Error) => e)
    }
    const cases: [object | undefined, RegExp][] = [
      [undefined, /not an fcv model/],
      [{ ...metadata, maxSigma: -1 }, /userDefinedMetadata.fcv: maxSigma: /],
      [
        { ...metadata, featureSpec: { ...SPEC, version: 'v1' } },
        /feature spec v1, which is not the spec v2/,
      ],
      [
        { ...metadata, headLayer: 'hidden_2' },
        /outputs layer "ziln_head", not the head "hidden_2"/,
      ],
      [
        {
          ...metadata,
          encoding: {
            ...metadata.encoding,
            categorical: [{ name: 'country', vocabulary: ['EIRE'] }],
            width: 28,
          },
        } satisfies ScoringMetadata,
        /takes 39 inputs, the encoding gives 28/,
      ],
    ]
    for (const [m, message] of cases) {
      const error = await withMetadata(m)
      expect(error).toBeInstanceOf(ModelFormatError)
      expect((error as Error).message).toMatch(message)
    }
    await expect(scorerOf(saved, '')).rejects.toThrow(/version must be a non-empty string/)
    await expect(
      createScorer({
        modelJson: JSON.stringify(saved.doc),
        weights: saved.weights.subarray(8),
        version: '1',
      })
    ).rejects.toThrow(ModelFormatError)
    model.dispose()
  })

  it('rejects a bad request, naming the field', async () => {
    const model = await zilnNetwork()
    const scorer = await scorerOf(await saveModel(model, metadata))
    const [v] = randomVectors(1, 26)
    const named = Object.fromEntries(SPEC.features.map((f, k) => [f.name, v![k]!]))
    const fails = (f: () => unknown, field: string, message: RegExp) => {
      const error = errorOf(f)
      expect(error).toBeInstanceOf(ScoringInputError)
      expect((error as ScoringInputError).field).toBe(field)
      expect(error.message).toMatch(message)
    }
    const ok = { customerId: 'a', features: v! }
    fails(
      () => scorer.scoreFeatures([ok, { customerId: 'b', features: v!.slice(1) }]),
      'rows[1].features',
      /^rows\[1\]\.features: has 26 values; feature spec v2 has 27 \(spend_30d, .*, country\)$/
    )
    fails(
      () => scorer.scoreFeatures([{ customerId: 'a', features: { ...named, spend_7d: 1 } }]),
      'rows[0].features',
      /unknown feature "spend_7d"/
    )
    const noCountry = { ...named }
    delete noCountry['country']
    fails(
      () => scorer.scoreFeatures([{ customerId: 'a', features: noCountry }]),
      'rows[0].features',
      /feature "country" is missing/
    )
    fails(
      () =>
        scorer.scoreFeatures([
          { customerId: 'a', features: { ...named, tenure_days: Number.NaN } },
        ]),
      'rows[0].features',
      /feature "tenure_days" \(position 16\): NaN is not a finite number/
    )
    fails(
      () => scorer.scoreFeatures([{ customerId: '', features: v! }]),
      'rows[0].customerId',
      /must be a non-empty string/
    )
    fails(() => scorer.scoreFeatures({} as never), 'rows', /must be an array/)
    const item = {
      customerId: 'a',
      transactions: [{ timestamp: AS_OF - 86_400_000, amountMinor: 500 }],
    }
    fails(() => scorer.scoreHistories([item], Number.NaN), 'asOf', /valid Date or finite epoch/)
    fails(() => scorer.scoreHistories([item], new Date('nope')), 'asOf', /valid Date/)
    fails(
      () =>
        scorer.scoreHistories(
          [item, { customerId: 'b', transactions: [{ timestamp: AS_OF + 1, amountMinor: 500 }] }],
          AS_OF
        ),
      'items[1].transactions',
      /customer "b" has no purchase before asOf \(2011-06-12T00:00:00.000Z\)/
    )
    // Of its own class, so callers need not read the message.
    expect(() =>
      scorer.scoreHistories(
        [{ customerId: 'b', transactions: [{ timestamp: AS_OF + 1, amountMinor: 500 }] }],
        AS_OF
      )
    ).toThrow(NoPurchaseBeforeAsOfError)
    fails(
      () =>
        scorer.scoreHistories(
          [{ customerId: 'a', transactions: [{ timestamp: 1, amountMinor: 0.5 }] }],
          AS_OF
        ),
      'items[0].transactions[0].amountMinor',
      /0.5 is not an integer amount in minor currency units/
    )
    expect(scorer.scoreHistories([item], AS_OF)[0]!.customerId).toBe('a')
    // historyFeatures reports a customer outside the population as null instead of failing.
    const late = { customerId: 'b', transactions: [{ timestamp: AS_OF + 1, amountMinor: 500 }] }
    const vectors = scorer.historyFeatures([item, late], AS_OF)
    expect(vectors[1]).toBeNull()
    expect(vectors[0]).toHaveLength(scorer.historyFeatures([item], AS_OF)[0]!.length)
    fails(
      () => scorer.historyFeatures([item, { customerId: '', transactions: [] }], AS_OF),
      'items[1].customerId',
      /non-empty string/
    )
    model.dispose()
  })
})
