import { beforeAll, describe, expect, it } from 'vitest'
import { buildBundle } from '../bundle/build.ts'
import { generateSigningKey, importSigningKey } from '../bundle/keys.ts'
import { verifySignedBundle, type VerifiedBundle } from '../bundle/verify-signed.ts'
import { ModelFormatError } from './errors.ts'
import { createScorer } from './scorer.ts'
import { createSignedHistoryScorer, createSignedScorer } from './signed-scorer.ts'
import {
  AS_OF,
  copyDoc,
  exampleMetadata,
  randomHistories,
  saveModel,
  zilnNetwork,
  type SavedModel,
} from './test-models.ts'

let saved: SavedModel

const SPEC_VERSION = { version: 'v2' }

async function signed(doc: SavedModel['doc'], weights: Uint8Array): Promise<VerifiedBundle> {
  const generated = await generateSigningKey()
  const signer = await importSigningKey(generated.privateKeyPkcs8)
  const { bytes } = await buildBundle(
    {
      manifest: {
        name: 'm',
        version: '12',
        created: '2026-12-04T00:00:00Z',
        horizonDays: 90,
        currency: 'GBP',
        featureSpec: SPEC_VERSION,
        normalisation: {},
        model: { format: 'fcv-ziln', formatVersion: 2 },
        metrics: {},
        mlflow: { runId: 'r', modelVersion: '12' },
      },
      modelJson: new TextEncoder().encode(JSON.stringify(doc)),
      weights,
    },
    signer
  )
  return verifySignedBundle(bytes, { [signer.keyId]: generated.publicKey })
}

beforeAll(async () => {
  saved = await saveModel(await zilnNetwork(), exampleMetadata())
})

describe('createSignedScorer', () => {
  it('scores exactly as createScorer does for the same model', async () => {
    const bundle = await signed(saved.doc, saved.weights)
    const viaSigned = await createSignedScorer(bundle)
    const viaSchema = await createScorer({
      modelJson: bundle.modelJson,
      weights: bundle.weights,
      version: '12',
    })
    const items = randomHistories(40, 11).map((transactions, i) => ({
      customerId: `c${i}`,
      transactions,
    }))
    const scorable = items.filter((_, i) => viaSchema.historyFeatures([items[i]!], AS_OF)[0])
    expect(scorable.length).toBeGreaterThan(20)
    expect([viaSigned.engine, viaSigned.kernel]).toEqual(['interpreter', 'js'])
    expect(viaSigned.version).toBe('12')
    expect(viaSigned.scoreHistories(scorable, AS_OF)).toEqual(
      viaSchema.scoreHistories(scorable, AS_OF)
    )
    const rows = scorable.map((item) => ({
      customerId: item.customerId,
      features: viaSchema.historyFeatures([item], AS_OF)[0]!,
    }))
    expect(viaSigned.scoreFeatures(rows)).toEqual(viaSchema.scoreHistories(scorable, AS_OF))
  })

  it('scores histories the same without scoreFeatures (createSignedHistoryScorer)', async () => {
    const bundle = await signed(saved.doc, saved.weights)
    const full = await createSignedScorer(bundle)
    const histories = await createSignedHistoryScorer(bundle)
    const items = randomHistories(40, 12).map((transactions, i) => ({
      customerId: `c${i}`,
      transactions,
    }))
    expect(histories.historyFeatures(items, AS_OF)).toEqual(full.historyFeatures(items, AS_OF))
    const scorable = items.filter((_, i) => full.historyFeatures([items[i]!], AS_OF)[0])
    expect(histories.scoreHistories(scorable, AS_OF)).toEqual(full.scoreHistories(scorable, AS_OF))
    expect(histories).not.toHaveProperty('scoreFeatures')
    expect(histories.featureNames).toEqual(full.featureNames)
  })

  it('refuses model.json of another fcv format, by name', async () => {
    const doc = copyDoc(saved.doc)
    ;(doc.userDefinedMetadata!['fcv'] as { formatVersion: number }).formatVersion = 4
    const bundle = await signed(doc, saved.weights)
    await expect(createSignedScorer(bundle)).rejects.toThrow(ModelFormatError)
    await expect(createSignedScorer(bundle)).rejects.toThrow(
      /fcv-ziln 4; this runtime scores fcv-ziln 2 and 3/
    )
  })

  it('refuses a model.json without fcv metadata', async () => {
    const doc = copyDoc(saved.doc)
    delete doc.userDefinedMetadata
    const bundle = await signed(doc, saved.weights)
    await expect(createSignedScorer(bundle)).rejects.toThrow(/not an fcv model/)
    await expect(createSignedHistoryScorer(bundle)).rejects.toThrow(/not an fcv model/)
  })
})
