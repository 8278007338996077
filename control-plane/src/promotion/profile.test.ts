import {
  histogramOf,
  profileBounds,
  TELEMETRY_BOUNDS,
  verifyBundle,
  type TrainingProfile,
} from '@fcv/core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startTestApp, type TestApp } from '../test-support/harness.ts'
import { goodTags, registerVersion, withProfile } from '../test-support/registry.ts'

// The training profile from model.json into the signed bundle, end to end: a real MLflow server,
// PGlite, the control plane signing what it promotes.

const uri = inject('mlflowUri')
const MODEL = `cp-profile-${Date.now()}`
let t: TestApp
let champion = ''

const spend = Array.from({ length: 200 }, (_, i) => (i < 120 ? 0 : (i - 119) * 13.5))
const recency = Array.from({ length: 200 }, (_, i) => 1 + ((i * 37) % 365))
const PROFILE: TrainingProfile = {
  cutoff: '2011-06-12',
  rows: 200,
  features: [
    { name: 'spend_90d', ...histogramOf(profileBounds(spend), spend) },
    { name: 'recency_days', ...histogramOf(profileBounds(recency), recency) },
  ],
  predicted: {
    value: histogramOf(TELEMETRY_BOUNDS.expected, spend),
    pBuy: histogramOf(
      TELEMETRY_BOUNDS.pBuy,
      recency.map((r) => 1 / r)
    ),
  },
}

beforeAll(async () => {
  t = await startTestApp(uri, { FCV_MODEL_NAME: MODEL })
})
afterAll(async () => {
  await t.close()
})

const promote = (version: string, channel = 'edge') =>
  t.call('POST', `/v1/models/${MODEL}/promotions`, {
    body: { channel, version, reason: 'profile test' },
  })

async function signedManifest(channel: string) {
  const res = await t.call('GET', `/v1/bundles/${channel}/current?model=${MODEL}`, { token: null })
  expect(res.status).toBe(200)
  const bundle = await verifyBundle(new TextEncoder().encode(JSON.stringify(res.body)), {
    [t.keyId]: t.publicKey,
  })
  return bundle.manifest
}

describe('the training profile in the bundle', () => {
  it('is copied from model.json into the signed manifest', async () => {
    const v = await registerVersion(t.mlflow, MODEL, goodTags(), {
      'model.json': withProfile(PROFILE),
    })
    const r = await promote(v)
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect((await signedManifest('edge')).profile).toEqual(PROFILE)
    champion = v
  })

  it('is absent from the bundle of a model trained before profiles were recorded', async () => {
    const v = await registerVersion(t.mlflow, MODEL, goodTags())
    const r = await promote(v, 'widget')
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(await signedManifest('widget')).not.toHaveProperty('profile')
  })

  it('is checked: a malformed one is not signed, and the error names the field', async () => {
    const bad = { ...PROFILE, features: [{ ...PROFILE.features[0]!, n: 1 }] }
    const v = await registerVersion(t.mlflow, MODEL, goodTags({ edge: champion }), {
      'model.json': withProfile(bad),
    })
    const r = await promote(v)
    expect(r.status).toBe(422)
    expect(r.body.error.code).toBe('model_not_servable')
    expect(r.body.error.message).toMatch(
      /fcv: profile\.features\[0\]\.n: must be the sum of counts \(200\)$/
    )
  })
})
