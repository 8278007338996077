// `fcv score` against the real Worker, to the bit: a candidate trained on the shipped sample is
// registered in a real MLflow server; `fcv score --model-version N` scores every customer of the
// sample; the control plane's bundle builder signs the same version into the bundle it would
// publish, and the Worker as `wrangler deploy --dry-run` builds it (workerd, under Miniflare)
// verifies it and scores the same customers' histories over POST /v1/predict. Every prediction is
// the same object: the same model version and the same float64s.

import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import {
  connectionTo,
  generateSigningKey,
  importSigningKey,
  MlflowClient,
  type Prediction,
} from '@fcv/core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { buildVersionBundle } from '../../control-plane/src/promotion/bundle-builder.ts'
import { registerVersion } from '../../control-plane/src/test-support/registry.ts'
import { readInterim } from '../../trainer/src/interim/index.ts'
import type { Params } from '../../trainer/src/params/schema.ts'
import { runScore, type ScoreSummary } from '../../trainer/src/score/index.ts'
import {
  readScoreFiles,
  sampleCandidate,
  type ScoreRow,
} from '../../trainer/src/score/test-support.ts'
import { buildDir, buildWorker, startBuiltWorker, type BuiltWorker } from '../local/built-worker.ts'

const MODEL = 'fcv-score-parity'
const PUBLISHER_TOKEN = 'score-parity-publisher-token-3b9e27'
/** As many as the Worker takes per request (wrangler.toml MAX_CUSTOMERS_PER_REQUEST). */
const PER_REQUEST = 100

let work: string
let params: Params
let client: MlflowClient
let version: string
let build: Awaited<ReturnType<typeof buildDir>>
let worker: BuiltWorker
/**
 * Every customer's lines as a page or a CRM would send them: in the log's order (not sorted), ISO
 * timestamps, every line of the log, also those after as-of, which the Worker leaves out itself.
 */
const wire = new Map<string, Record<string, unknown>[]>()

beforeAll(async () => {
  ;({ work, params } = await sampleCandidate())
  const dir = params.train.out_dir
  client = new MlflowClient(connectionTo(inject('mlflowUri'), {}))
  version = await registerVersion(
    client,
    MODEL,
    { 'fcv.horizon_days': '90', 'fcv.currency': 'GBP', 'fcv.test_cutoff': '2011-06-12' },
    {
      'model.json': readFileSync(join(dir, 'model.json')),
      'weights.bin': readFileSync(join(dir, 'weights.bin')),
    }
  )
  params = { ...params, register: { ...params.register, model_name: MODEL } }

  const signer = await importSigningKey((await generateSigningKey()).privateKeyPkcs8)
  const bundle = await buildVersionBundle(
    client,
    await client.getModelVersion(MODEL, version),
    signer,
    inject('mlflowUri')
  )
  build = await buildDir()
  worker = await startBuiltWorker({
    script: await buildWorker(build.dir),
    bindings: {
      PUBLISHER_TOKEN,
      TRUSTED_KEYS: JSON.stringify({ [signer.keyId]: signer.publicKey }),
      // A hundred of the sample's customers, with every line of theirs, exceed the default 1 MB.
      MAX_PREDICT_BODY_BYTES: String(16 * 1024 * 1024),
    },
  })
  const pushed = await fetch(`${worker.url}/_admin/bundle`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${PUBLISHER_TOKEN}`,
      'content-type': 'application/json',
      'x-fcv-channel': 'edge',
      'x-fcv-role': 'champion',
      'x-fcv-model': MODEL,
      'x-fcv-version': version,
      'x-fcv-digest': bundle.digest,
    },
    body: bundle.bytes as BodyInit,
  })
  expect(pushed.status, await pushed.text()).toBe(200) // verified: signature and digests

  const cols = await readInterim(join(params.ingest.out_dir, 'transactions.arrow'), { ids: true })
  for (let i = 0; i < cols.length; i++) {
    const id = cols.customerIds[cols.customer[i] as number]!
    const [o, p, y] = [cols.order[i]!, cols.product[i]!, cols.country[i]!]
    let list = wire.get(id)
    if (!list) wire.set(id, (list = []))
    list.push({
      timestamp: new Date(cols.timestamp[i]!).toISOString(),
      amountMinor: cols.amountMinor[i]!,
      ...(o < 0 ? {} : { orderId: cols.orderIds[o] }),
      ...(p < 0 ? {} : { productId: cols.productIds[p] }),
      ...(y < 0 ? {} : { country: cols.countries[y] }),
    })
  }
}, 300_000)

afterAll(async () => {
  await worker?.stop()
  await build?.remove()
  if (work) rmSync(work, { recursive: true, force: true })
})

interface WorkerAnswer {
  asOf: string
  horizonDays: number
  currency: string
  currencyExponent: number
  predictions: (
    (Prediction & { variant: string }) | { customerId: string; error: { code: string } }
  )[]
}

/** Every customer of the log through POST /v1/predict, PER_REQUEST at a time. */
async function workerScores(asOf: string): Promise<{ answers: WorkerAnswer[] }> {
  const ids = [...wire.keys()]
  const answers: WorkerAnswer[] = []
  for (let from = 0; from < ids.length; from += PER_REQUEST) {
    const customers = ids
      .slice(from, from + PER_REQUEST)
      .map((customerId) => ({ customerId, transactions: wire.get(customerId) }))
    const res = await fetch(`${worker.url}/v1/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ asOf, customers }),
    })
    expect(res.status, await res.clone().text()).toBe(200)
    answers.push((await res.json()) as WorkerAnswer)
  }
  return { answers }
}

/** A row of fcv score's files as the Worker states a prediction. */
function asPrediction(r: ScoreRow, featureSpecVersion: string): Prediction {
  return {
    customerId: r.customer_id,
    expected: r.expected,
    pBuy: r.p_buy,
    p10: r.p10,
    p50: r.p50,
    p90: r.p90,
    modelVersion: r.model_version,
    featureSpecVersion,
  }
}

describe('fcv score and the Worker', () => {
  for (const asOf of [undefined, '2011-06-12']) {
    it(`give every customer the same prediction, to the bit (as-of ${asOf ?? 'the end of the log'})`, async () => {
      const outDir = join(work, `scores-${asOf ?? 'end'}`)
      const summary: ScoreSummary = await runScore(params, {
        model: { kind: 'version', version },
        asOf,
        outDir,
        client, // the test's MLflow server, never the embedded one
        log: () => {},
      })
      const files = readScoreFiles(outDir)
      expect(files.csv).toEqual(files.arrow)
      const { answers } = await workerScores(summary.as_of)
      const served = answers.flatMap((a) => a.predictions)
      for (const a of answers) {
        expect(a).toMatchObject({
          asOf: summary.as_of,
          horizonDays: summary.units.horizon_days,
          currency: summary.units.currency,
          currencyExponent: summary.units.currency_exponent,
        })
      }
      const scored = served.filter((p): p is Prediction & { variant: string } => !('error' in p))
      const unscored = served.filter((p) => 'error' in p)
      // the same population: who the Worker scores is who has a row, the rest are counted
      expect(scored.length).toBe(files.arrow.length)
      expect(unscored.length).toBe(summary.customers.without_purchase_before_as_of)
      expect(
        unscored.every((p) => 'error' in p && p.error.code === 'no_purchase_before_as_of')
      ).toBe(true)
      const worker = new Map(scored.map(({ variant, ...p }) => [p.customerId, { variant, p }]))
      for (const r of files.arrow) {
        const got = worker.get(r.customer_id)
        expect(got?.variant).toBe('champion')
        // toEqual on numbers is Object.is: the same float64, not a close one
        expect(got?.p, r.customer_id).toEqual(asPrediction(r, summary.feature_spec_version))
      }
      expect(files.arrow[0]!.model_version).toBe(version)
    })
  }
})
