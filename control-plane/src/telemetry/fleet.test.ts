import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startTestApp, type TestApp } from '../test-support/harness.ts'
import { population, PROFILE, scoredReport, TRAINING } from '../test-support/profile.ts'
import { goodTags, registerVersion, withProfile } from '../test-support/registry.ts'
import { widgetSection, widgetSeries } from '../test-support/telemetry.ts'

// The fleet's health end to end on the control plane: a real MLflow, PGlite, profiled bundles
// promoted and replaced, reports from several isolates through POST /v1/telemetry into the
// durable store, then GET /v1/models/{name}/fleet and the fcv_drift_* / fcv_serving_* gauges.

const MODEL = `cp-fleet-${Date.now()}`
let t: TestApp
let reporter: string
let v1: string
let v2: string

beforeAll(async () => {
  t = await startTestApp(inject('mlflowUri'), {
    FCV_MODEL_NAME: MODEL,
    FCV_FLEET_REFRESH_SECONDS: '0',
  })
  const r = await t.call('POST', '/v1/tokens', { body: { name: 'fleet', role: 'reporter' } })
  reporter = r.body.token
  const files = { 'model.json': withProfile(PROFILE) }
  v1 = await registerVersion(t.mlflow, MODEL, goodTags(), files)
  v2 = await registerVersion(t.mlflow, MODEL, goodTags({ edge: v1 }), files)
  for (const version of [v1, v2]) {
    const p = await t.call('POST', `/v1/models/${MODEL}/promotions`, {
      body: { version, channel: 'edge', reason: 'fleet test' },
    })
    expect(p.status, JSON.stringify(p.body)).toBe(200)
  }
})
afterAll(async () => {
  await t.close()
})

const send = async (body: unknown) => {
  const r = await t.call('POST', '/v1/telemetry', { token: reporter, body })
  expect(r.status, JSON.stringify(r.body)).toBe(202)
}

describe('the fleet', () => {
  it('measures drift per model version and finds the isolates still on the replaced one', async () => {
    const now = Date.now()
    // v2 (the champion now) sees a lapsed population; v1, still served by one isolate, the
    // population it was trained on.
    await send(
      scoredReport('fresh-a', now - 1000, v2, population(300, 1), [
        { channel: 'edge', variant: 'champion', modelVersion: v2 },
      ])
    )
    await send({
      ...scoredReport('fresh-b', now - 1000, v2, population(300, 1), [
        { channel: 'edge', variant: 'champion', modelVersion: v2 },
        { channel: 'widget', variant: 'champion', modelVersion: v2 },
      ]),
      widget: widgetSection({ accepted: 3 }, [
        widgetSeries(v2, 'champion', 'ok', [10, 20, 30], [5, 40, 2000]),
      ]),
    })
    await send(
      scoredReport('stuck', now - 1000, v1, TRAINING, [
        { channel: 'edge', variant: 'champion', modelVersion: v1 },
      ])
    )

    const res = await t.call('GET', `/v1/models/${MODEL}/fleet`)
    expect(res.status).toBe(200)
    const fleet = res.body
    const drift = (channel: string, version: string) =>
      fleet.drift.find(
        (d: { channel: string; modelVersion: string }) =>
          d.channel === channel && d.modelVersion === version
      )
    const shifted = drift('edge', v2)
    expect(shifted.observations).toBe(600)
    expect(shifted.profile).toEqual({ cutoff: PROFILE.cutoff, rows: PROFILE.rows })
    const psi = Object.fromEntries(
      shifted.features.map((f: { name: string; psi: number }) => [f.name, f.psi])
    )
    expect(psi['recency_days']).toBeGreaterThan(0.2)
    expect(psi['spend_90d']).toBeGreaterThan(0.2)
    const same = drift('edge', v1)
    for (const f of same.features) expect(f.psi).toBe(0)
    expect(same.predictions.map((p: { meanRatio: number }) => p.meanRatio)).toEqual([1, 1])
    // The widget: prediction drift on its coarser buckets, no means (beacons carry no sums).
    expect(drift('widget', v2).predictions).toEqual([
      expect.objectContaining({ output: 'value', liveMean: null, meanRatio: null }),
    ])

    const stale = fleet.serving.versions.find(
      (v: { modelVersion: string; channel: string }) =>
        v.modelVersion === v1 && v.channel === 'edge'
    )
    expect(stale).toMatchObject({ reporter: 'isolate', reporters: 1, current: false })
    expect(Date.parse(stale.staleSince)).toBeLessThanOrEqual(now)
    expect(fleet.serving.staleSeconds.edge).toBeGreaterThan(0)
    // The widget channel has no deployment here: what pages and isolates report there is stale too.
    expect(
      fleet.serving.versions
        .filter((v: { channel: string }) => v.channel === 'widget')
        .map((v: { reporter: string; reporters: number }) => [v.reporter, v.reporters])
        .sort()
    ).toEqual([
      ['isolate', 1],
      ['page', 3],
    ])

    // The same figures as gauges.
    const metrics = await t.call('GET', '/metrics', { token: null })
    const text = metrics.body as string
    const gauge = (name: string, labels: string) =>
      Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1])
    expect(
      gauge('fcv_drift_psi', `channel="edge",model_version="${v2}",feature="recency_days"`)
    ).toBeCloseTo(psi['recency_days'], 12)
    expect(gauge('fcv_drift_window_observations', `channel="edge",model_version="${v2}"`)).toBe(600)
    expect(
      gauge(
        'fcv_serving_reporters',
        `channel="edge",model_version="${v1}",current="false",reporter="isolate"`
      )
    ).toBe(1)
    expect(gauge('fcv_serving_stale_seconds', 'channel="edge"')).toBeGreaterThan(0)
    expect(text).toMatch(/^fcv_fleet_refresh_errors_total 0$/m)
  })

  it('refuses an anonymous or reporter read', async () => {
    expect((await t.call('GET', `/v1/models/${MODEL}/fleet`, { token: null })).status).toBe(401)
    expect((await t.call('GET', `/v1/models/${MODEL}/fleet`, { token: reporter })).status).toBe(403)
  })
})
