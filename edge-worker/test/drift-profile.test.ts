// Drift telemetry inside workerd with core's real scorer: a model whose bundle carries a training
// profile has each scored customer's features bucketed by the profile's bounds, reported under its
// version; scoring the very population the profile was made from gives back its counts exactly
// (PSI 0). The population is the parity fixture's: raw histories and the vectors `fcv features`
// wrote for them (feature-parity.test.ts).

import {
  createScorer,
  histogramOf,
  inCanary,
  populationStabilityIndex,
  profileBounds,
  TELEMETRY_BOUNDS,
  TelemetryPayloadSchema,
  type FeatureVector,
  type SigningKey,
  type TrainingProfile,
} from '@fcv/core'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../src/app.ts'
import type { Env } from '../src/env.ts'
import type { TelemetryPayload } from '../src/telemetry.ts'
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
  transactions: { timestamp: number; amountMinor: number }[]
  features: FeatureVector
}
const customers = parity.customers as ParityCustomer[]
const numeric = parity.featureSpec.features
  .map((f, j) => ({ name: f.name, kind: f.kind, j }))
  .filter((f) => f.kind === 'numeric')

/** Each numeric feature's values over `of`, as the trainer's table holds them. */
const valuesOf = (j: number, of: readonly ParityCustomer[]) =>
  of.map((c) => c.features[j] as number)

/** The profile `fcv train` would write for these customers (predictions left empty here). */
const PROFILE: TrainingProfile = {
  cutoff: new Date(parity.asOf).toISOString().slice(0, 10),
  rows: customers.length,
  features: numeric.map(({ name, j }) => {
    const values = valuesOf(j, customers)
    return { name, ...histogramOf(profileBounds(values), values) }
  }),
  predicted: {
    value: histogramOf(TELEMETRY_BOUNDS.expected, []),
    pBuy: histogramOf(TELEMETRY_BOUNDS.pBuy, []),
  },
}

/** The fixture model with the spec and BG/NBD fit of the parity fixture's cutoff. */
function modelJson(): Uint8Array {
  const doc = JSON.parse(new TextDecoder().decode(fixture.modelJson)) as {
    userDefinedMetadata: { fcv: Record<string, unknown> }
  }
  doc.userDefinedMetadata.fcv['featureSpec'] = parity.featureSpec
  doc.userDefinedMetadata.fcv['btyd'] = parity.btyd
  return new TextEncoder().encode(JSON.stringify(doc))
}

let signer: SigningKey
let flushed: TelemetryPayload[]
let app: ReturnType<typeof createApp>
let bindings: Env

beforeAll(async () => {
  signer = await newSigner()
})

beforeEach(() => {
  flushed = []
  app = createApp({
    createScorer,
    fetch: async (_url, init) => {
      flushed.push(JSON.parse(String(init?.body)) as TelemetryPayload)
      return new Response(null, { status: 204 })
    },
  })
  bindings = testEnv(new TestKv(), {
    TRUSTED_KEYS: trusting(signer),
    TELEMETRY_URL: 'https://control-plane.test/v1/telemetry',
    TELEMETRY_FLUSH_PREDICTIONS: '1',
  })
})

const bundle = (version: string, profile?: TrainingProfile) =>
  signedBundle(signer, version, { modelJson: modelJson() }, profile ? { profile } : {})

async function predictHistories(of: readonly ParityCustomer[], asOf = parity.asOf): Promise<void> {
  const res = await postPredict(app, bindings, {
    asOf: new Date(asOf).toISOString(),
    customers: of.map(({ customerId, transactions }) => ({ customerId, transactions })),
  })
  expect(res.status, await res.clone().text()).toBe(200)
}

const features = () => flushed.flatMap((p) => p.features)

describe("features bucketed by the serving model's training profile", () => {
  it('gives back the profile’s own counts for the population it was made from (PSI 0)', async () => {
    expect(customers.length).toBeGreaterThan(20)
    await push(app, bindings, await bundle('7', PROFILE), 'edge')
    await predictHistories(customers)
    expect(flushed).toHaveLength(1)
    const parsed = TelemetryPayloadSchema.safeParse(JSON.parse(JSON.stringify(flushed[0])))
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true)

    const live = new Map(features().map((f) => [`${f.modelVersion ?? ''}/${f.name}`, f]))
    for (const p of PROFILE.features) {
      const f = live.get(`7/${p.name}`)
      expect(f, p.name).toMatchObject({ featureSpecVersion: parity.featureSpec.version })
      expect(f!.numeric.bounds, p.name).toEqual(p.bounds)
      expect(f!.numeric.counts, p.name).toEqual(p.counts)
      expect(f!.numeric.n, p.name).toBe(p.n)
      expect(populationStabilityIndex(p.counts, f!.numeric.counts)).toBe(0)
    }
    // The categorical feature is not in the profile: its values are counted as before.
    const country = features().find((f) => f.name === 'country')!
    expect(country).not.toHaveProperty('modelVersion')
    expect(Object.values(country.categories).reduce((a, b) => a + b, 0)).toBe(customers.length)
    expect(features().filter((f) => f.modelVersion === undefined)).toEqual([country])
  })

  it('shows a shifted population as drift: the same customers half a year later (PSI > 0.2)', async () => {
    await push(app, bindings, await bundle('7', PROFILE), 'edge')
    // Their histories up to the profile's cutoff only: nobody bought since.
    const past = customers.map((c) => ({
      ...c,
      transactions: c.transactions.filter((t) => t.timestamp < parity.asOf),
    }))
    await predictHistories(past, parity.asOf + 182 * 86_400_000)
    const psi = (name: string) => {
      const live = features().find((f) => f.name === name && f.modelVersion === '7')!
      return populationStabilityIndex(
        PROFILE.features.find((f) => f.name === name)!.counts,
        live.numeric.counts
      )
    }
    // every recency is 182 days longer, the last 30 days' spend all zero
    expect(psi('recency_days')).toBeGreaterThan(0.2)
    expect(psi('spend_30d')).toBeGreaterThan(0.2)
    // the lifetime totals do not move
    expect(psi('spend_total')).toBe(0)
  })

  it('keys each version’s features by it; a model without a profile keeps the fixed bounds; the shadow adds none', async () => {
    await push(app, bindings, await bundle('7', PROFILE), 'edge')
    await push(app, bindings, await bundle('8'), 'edge', 'canary', {
      'x-fcv-canary-share': '0.5',
    })
    await push(app, bindings, await bundle('9', PROFILE), 'edge', 'shadow')
    await predictHistories(customers)
    await predictHistories(customers.slice(0, 1)) // flushes what the shadow scored after the first
    const shadow = flushed.flatMap((p) => p.predictions).filter((p) => p.variant === 'shadow')
    expect(shadow.reduce((n, p) => n + p.n, 0)).toBe(customers.length + 1)

    const first = flushed[0]!
    const canary = customers.filter((c) => inCanary(c.customerId, 0.5))
    const champion = customers.filter((c) => !inCanary(c.customerId, 0.5))
    expect(canary.length).toBeGreaterThan(0)
    expect(champion.length).toBeGreaterThan(0)
    for (const { name, j } of numeric) {
      const of = (v: string | undefined) =>
        first.features.find((f) => f.name === name && f.modelVersion === v)?.numeric
      const profile = PROFILE.features.find((f) => f.name === name)!
      expect(of('7'), name).toEqual(histogramOf(profile.bounds, valuesOf(j, champion)))
      expect(of(undefined), name).toEqual(
        histogramOf(TELEMETRY_BOUNDS.feature, valuesOf(j, canary))
      )
    }
    expect(features().some((f) => f.modelVersion === '8' || f.modelVersion === '9')).toBe(false)
    for (const p of flushed) {
      expect(TelemetryPayloadSchema.safeParse(JSON.parse(JSON.stringify(p))).success).toBe(true)
    }
  })
})
