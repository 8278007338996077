import type { ScoringInputError } from '@fcv/core'
import {
  checkWireTransactions,
  createScorer,
  inCanary,
  WidgetBeaconSchema,
  windowWarnings,
} from '@fcv/core'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { WidgetError } from './errors.ts'
import { loadModel } from './model.ts'
import { flushTelemetry } from './telemetry.ts'
import { fakeEdge, modelJson, newSigner, weights, type Signer } from './test-bundle.ts'

const asOf = '2011-06-01T00:00:00.000Z'
const day = 86_400_000
const t0 = Date.parse(asOf)
const history = {
  customerId: 'c-uk',
  transactions: [
    { timestamp: t0 - 200 * day, amountMinor: 4_500, orderId: 'o1', country: 'United Kingdom' },
    { timestamp: '2011-04-22T10:00:00Z', amountMinor: 12_000, orderId: 'o2', productId: 'p9' },
    { timestamp: t0 - 39 * day, amountMinor: -2_000, orderId: 'o2r' },
  ],
}

let signer: Signer
beforeAll(async () => {
  signer = await newSigner()
})

async function served(version = '3') {
  const edge = fakeEdge()
  edge.champion = await signer.sign(version)
  return edge
}

const load = (
  edge: ReturnType<typeof fakeEdge>,
  over: Partial<Parameters<typeof loadModel>[0]> = {}
) =>
  loadModel({
    bundleUrl: 'https://edge.test/v1/bundle',
    trustedKeys: signer.trustedKeys,
    telemetry: false,
    fetch: edge.fetch,
    ...over,
  })

describe('loadModel and score', () => {
  it('scores exactly as core scores the same bundle, with the units stated once', async () => {
    const model = await load(await served('3'))
    const got = model.score(history, { asOf })
    const reference = await createScorer({ modelJson, weights, version: '3' })
    const copy = structuredClone(history.transactions)
    const [want] = reference.scoreHistories(
      [{ customerId: 'c-uk', transactions: checkWireTransactions(copy, 'c-uk', 't') }],
      t0
    )
    expect(got).toEqual({
      asOf,
      horizonDays: 90,
      currency: 'GBP',
      currencyExponent: 2,
      amountUnit: 'major',
      warnings: [], // the fixture was trained before models recorded their calibrated window
      prediction: { ...want, variant: 'champion' },
    })
    expect(model.champion).toMatchObject({ name: 'fcv-customer-value', version: '3' })
    // The page's objects are not changed (the ISO timestamp stays a string).
    expect(history.transactions[1]!.timestamp).toBe('2011-04-22T10:00:00Z')
  })

  it("refuses a bad history with the Worker's message, naming the field", async () => {
    const model = await load(await served())
    const bad = { customerId: 'c1', transactions: [{ timestamp: 1714644000, amountMinor: 100 }] }
    const e = (() => {
      try {
        model.score(bad, { asOf })
      } catch (e) {
        return e
      }
    })() as WidgetError
    expect(e).toBeInstanceOf(WidgetError)
    expect(e.code).toBe('invalid_history')
    expect(e.field).toBe('history.transactions[0].timestamp')
    const worker = (() => {
      try {
        checkWireTransactions(structuredClone(bad.transactions), 'c1', 'customers[0].transactions')
      } catch (e) {
        return e as ScoringInputError
      }
    })()!
    expect(e.message.slice(e.field!.length)).toBe(worker.message.slice(worker.field.length))
    for (const wrong of [null, [], { customerId: '', transactions: [] }, { customerId: 'x' }]) {
      expect(() => model.score(wrong as never, { asOf })).toThrow(WidgetError)
    }
  })

  it('says when a customer has no purchase before asOf', async () => {
    const model = await load(await served())
    expect(() =>
      model.score(
        { customerId: 'new', transactions: [{ timestamp: t0 + day, amountMinor: 5 }] },
        { asOf }
      )
    ).toThrow(expect.objectContaining({ code: 'no_purchase_before_as_of' }))
  })

  it("revalidates the champion on every load (the browser's If-None-Match) and follows it", async () => {
    const edge = await served('3')
    await load(edge)
    edge.champion = await signer.sign('4')
    const next = await load(edge)
    // cache: 'no-cache' makes the browser revalidate its copy itself: no CORS preflight.
    expect(edge.requests.map((r) => [r.cache, r.ifNoneMatch])).toEqual([
      ['no-cache', null],
      ['no-cache', null],
    ])
    expect(next.champion.version).toBe('4')
  })

  it('refuses a tampered bundle, one signed by an unknown key, and an oversized one', async () => {
    const edge = await served()
    const built = edge.champion!
    const bytes = built.bytes.slice()
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! === 65 ? 66 : 65
    edge.champion = { ...built, bytes }
    await expect(load(edge, { bundleUrl: 'https://a.test/v1/bundle' })).rejects.toMatchObject({
      code: 'bundle_refused',
    })
    edge.champion = await (await newSigner()).sign('9')
    await expect(load(edge, { bundleUrl: 'https://b.test/v1/bundle' })).rejects.toMatchObject({
      code: 'bundle_refused',
      reason: 'unknown-key',
    })
    edge.champion = built
    await expect(
      load(edge, { bundleUrl: 'https://c.test/v1/bundle', maxBundleBytes: 1000 })
    ).rejects.toMatchObject({ code: 'bundle_too_large' })
  })

  it('a page left without a model is counted in its beacon (no_model)', async () => {
    const sent: string[] = []
    vi.stubGlobal('navigator', {
      ...navigator,
      sendBeacon: (_: string, b: string) => (sent.push(b), true),
    })
    const edge = await served()
    edge.down = true
    await expect(
      load(edge, {
        bundleUrl: 'https://h.test/v1/bundle',
        telemetry: { url: 'https://h.test/v1/beacon' },
      })
    ).rejects.toMatchObject({ code: 'bundle_unreachable' })
    flushTelemetry()
    const beacon = JSON.parse(sent.at(-1)!) as unknown
    expect(WidgetBeaconSchema.safeParse(beacon).success).toBe(true)
    expect(beacon).toMatchObject({
      model: null,
      series: [{ modelVersion: null, variant: 'champion', outcome: 'no_model', n: 1 }],
    })
    vi.unstubAllGlobals()
  })

  it('an unreachable Worker with nothing cached: bundle_unreachable', async () => {
    const edge = await served()
    edge.down = true
    await expect(load(edge, { bundleUrl: 'https://d.test/v1/bundle' })).rejects.toMatchObject({
      code: 'bundle_unreachable',
    })
    edge.down = false
    edge.champion = null
    await expect(load(edge, { bundleUrl: 'https://e.test/v1/bundle' })).rejects.toThrow(/HTTP 503/)
  })

  it('serves the canary to its share of customers by inCanary, as the edge does', async () => {
    const edge = await served('3')
    edge.canary = { bundle: await signer.sign('5'), share: 0.5 }
    const model = await load(edge, { bundleUrl: 'https://f.test/v1/bundle' })
    expect(model.canary).toMatchObject({ version: '5', share: 0.5 })
    const versions = new Set<string>()
    for (let i = 0; i < 40; i++) {
      const p = model.score({ ...history, customerId: `c${i}` }, { asOf }).prediction
      versions.add(`${p.variant}:${p.modelVersion}`)
      expect(model.score({ ...history, customerId: `c${i}` }, { asOf }).prediction.variant).toBe(
        p.variant
      )
    }
    expect(versions).toEqual(new Set(['champion:3', 'canary:5']))
  })

  it("warns as the edge does when asOf is outside the serving model's calibrated window", async () => {
    const spring = { from: '2011-03-14', to: '2011-06-12', levelAdjusted: true }
    const summer = { from: '2011-06-12', to: '2011-09-10', levelAdjusted: false }
    const edge = fakeEdge()
    edge.champion = await signer.sign('3', {}, { calibratedWindow: spring })
    edge.canary = { bundle: await signer.sign('5', {}, { calibratedWindow: summer }), share: 0.5 }
    const model = await load(edge, { bundleUrl: 'https://w.test/v1/bundle' })
    const ids = Array.from({ length: 40 }, (_, i) => `c${i}`)
    const [toChampion, toCanary] = [
      ids.find((id) => !inCanary(id, 0.5))!,
      ids.find((id) => inCanary(id, 0.5))!,
    ]
    const warnings = (customerId: string, at: string) =>
      model.score({ ...history, customerId }, { asOf: at }).warnings
    // In spring: the champion's customers are in its window, the canary's are not (yet).
    expect(warnings(toChampion, asOf)).toEqual([])
    expect(warnings(toCanary, asOf)).toEqual(windowWarnings([{ version: '5', window: summer }], t0))
    expect(warnings(toCanary, asOf)[0]).toMatchObject({
      code: 'as_of_outside_calibrated_window',
      modelVersion: '5',
      calibratedWindow: summer,
    })
    // On the day the champion's window ends and the canary's begins, the other way round.
    expect(warnings(toChampion, '2011-06-12T00:00:00Z')).toMatchObject([{ modelVersion: '3' }])
    expect(warnings(toCanary, '2011-06-12T00:00:00Z')).toEqual([])
  })

  it('refuses a model of a feature spec it does not compute: unsupported_model', async () => {
    const doc = JSON.parse(new TextDecoder().decode(modelJson)) as {
      userDefinedMetadata: { fcv: { featureSpec: { version: string } } }
    }
    doc.userDefinedMetadata.fcv.featureSpec.version = 'v9'
    const edge = fakeEdge()
    edge.champion = await signer.sign('8', {
      modelJson: new TextEncoder().encode(JSON.stringify(doc)),
    })
    await expect(load(edge, { bundleUrl: 'https://g.test/v1/bundle' })).rejects.toMatchObject({
      code: 'unsupported_model',
      message: expect.stringContaining('feature spec v9'),
    })
  })

  it('needs a bundle URL and trusted keys', async () => {
    const edge = await served()
    await expect(load(edge, { bundleUrl: '' })).rejects.toMatchObject({ code: 'config' })
    await expect(load(edge, { trustedKeys: 'nonsense' })).rejects.toMatchObject({ code: 'config' })
  })
})
