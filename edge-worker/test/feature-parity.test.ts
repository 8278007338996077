// Training/serving parity inside workerd: for the same raw histories, the features the Worker
// computes are exactly the ones `fcv features` wrote into the trainer's table, and scoring the
// histories gives exactly what scoring the trainer's rows gives. The fixture is regenerated from
// the shipped sample by trainer/src/features/features.test.ts, which fails when it is stale.

import {
  createScorer,
  DenseModel,
  encodeFeatureVectors,
  loadTfjsModel,
  maxAbsDiff,
  parseModelJson,
  Random,
  readScoringMetadata,
  type FeatureVector,
  type SigningKey,
} from '@fcv/core'
import { beforeAll, describe, expect, it } from 'vitest'
import worker from '../src/index.ts'
import type { Prediction } from '../src/scoring.ts'
import parity from './fixtures/feature-parity.json' with { type: 'json' }
import {
  fixture,
  newSigner,
  postPredict,
  push,
  signedBundle,
  testEnv,
  TestKv,
  trusting,
} from './support.ts'

interface ParityCustomer {
  customerId: string
  transactions: {
    timestamp: number
    amountMinor: number
    orderId?: string
    productId?: string
    country?: string
  }[]
  features: FeatureVector
}
const customers = parity.customers as ParityCustomer[]

/** The fixture model, carrying the spec and BG/NBD fit the trainer used at the fixture's cutoff. */
function modelJsonForFixture(): Uint8Array {
  const doc = JSON.parse(new TextDecoder().decode(fixture.modelJson)) as {
    userDefinedMetadata: { fcv: Record<string, unknown> }
  }
  doc.userDefinedMetadata.fcv['featureSpec'] = parity.featureSpec
  doc.userDefinedMetadata.fcv['btyd'] = parity.btyd
  return new TextEncoder().encode(JSON.stringify(doc))
}

let signer: SigningKey
beforeAll(async () => {
  signer = await newSigner()
})

describe("feature parity with the trainer's table", () => {
  it('runs inside workerd', () => {
    expect(navigator.userAgent).toBe('Cloudflare-Workers')
  })

  it('computes from raw histories exactly the vectors `fcv features` wrote', async () => {
    const scorer = await createScorer({
      modelJson: modelJsonForFixture(),
      weights: fixture.weights,
      version: 'parity',
    })
    expect(customers.length).toBeGreaterThan(20)
    const computed = scorer.historyFeatures(customers, parity.asOf)
    computed.forEach((vector, i) => {
      expect(vector, customers[i]!.customerId).toEqual(customers[i]!.features)
    })
    // Transaction order does not matter: the same customers, their lines reversed.
    const reversed = customers.map((c) => ({ ...c, transactions: [...c.transactions].reverse() }))
    expect(scorer.historyFeatures(reversed, parity.asOf)).toEqual(computed)
  })

  it('POST /v1/predict scores raw histories exactly as the trainer rows', async () => {
    const kv = new TestKv()
    const bindings = testEnv(kv, { TRUSTED_KEYS: trusting(signer) })
    const bundle = await signedBundle(signer, '7', { modelJson: modelJsonForFixture() })
    expect((await push(worker, bindings, bundle, 'edge')).status).toBe(200)
    const predict = async (body: unknown) => {
      const res = await postPredict(worker, bindings, body)
      expect(res.status).toBe(200)
      return ((await res.json()) as { predictions: Prediction[] }).predictions
    }
    const asOf = new Date(parity.asOf).toISOString()
    const fromHistories = await predict({
      asOf,
      customers: customers.map(({ customerId, transactions }) => ({ customerId, transactions })),
    })
    const fromRows = await predict({
      asOf,
      customers: customers.map(({ customerId, features }) => ({ customerId, features })),
    })
    expect(fromHistories).toEqual(fromRows)
    expect(fromHistories.every((p) => p.modelVersion === '7' && p.expected >= 0)).toBe(true)
  })
})

describe('the interpreter against TensorFlow.js, inside workerd', () => {
  it('gives the same network outputs to 1e-5 on real and random rows', async () => {
    const doc = parseModelJson(modelJsonForFixture())
    const meta = readScoringMetadata(doc)
    const real = encodeFeatureVectors(
      meta.encoding,
      meta.featureSpec,
      customers.map((c) => c.features)
    )
    const width = real.length / customers.length
    // Random rows around the encoding's scale (standardised inputs), from a fixed seed.
    const random = new Random(12345)
    const random500 = Float32Array.from({ length: 500 * width }, () => random.uniform() * 6 - 3)
    const interpreter = DenseModel.fromModelJson(doc, fixture.weights)
    const tfjs = await loadTfjsModel(doc, fixture.weights)
    try {
      for (const x of [real, random500]) {
        const rows = x.length / width
        const a = interpreter.forward(x, rows)
        const b = tfjs.forward(x, rows)
        expect(a.length).toBe(rows * 3)
        expect(maxAbsDiff(a, b)).toBeLessThan(1e-5)
      }
    } finally {
      interpreter.dispose()
      tfjs.dispose()
    }
  }, 60_000)
})
