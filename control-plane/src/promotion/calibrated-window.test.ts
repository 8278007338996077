import { verifyBundle, type CalibratedWindow } from '@fcv/core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { getDeployment } from '../db/index.ts'
import { startTestApp, type TestApp } from '../test-support/harness.ts'
import { goodTags, registerVersion, withWindow } from '../test-support/registry.ts'

// The calibrated-window gate end to end: a real MLflow server, PGlite, and the control plane's
// clock set by the test. A model is calibrated for predictions as of the days of its window; once
// they are over, promoting it needs force.

const uri = inject('mlflowUri')
const MODEL = `cp-window-${Date.now()}`
const W: CalibratedWindow = { from: '2011-06-12', to: '2011-09-10', levelAdjusted: true }
let clock = Date.parse('2011-07-01T09:00:00Z')
let t: TestApp
const v: Record<string, string> = {}

const registerWindowed = async (tags: Record<string, string>) => {
  const m = withWindow(W)
  return registerVersion(t.mlflow, MODEL, { ...tags, ...m.tags }, { 'model.json': m.modelJson })
}

beforeAll(async () => {
  t = await startTestApp(uri, { FCV_MODEL_NAME: MODEL }, { now: () => clock })
  v['open'] = await registerWindowed(goodTags())
  v['next'] = await registerWindowed(goodTags({ edge: v['open'] }))
  v['worse'] = await registerWindowed(goodTags({ edge: v['open'] }, { 'metric.gini': '0.80' }))
  v['none'] = await registerVersion(t.mlflow, MODEL, goodTags({ widget: v['open'] }))
})
afterAll(async () => {
  await t.close()
})

const promote = (body: Record<string, unknown>) =>
  t.call('POST', `/v1/models/${MODEL}/promotions`, {
    body: { channel: 'edge', reason: 'window test', ...body },
  })
const gate = (gates: { gate: string }[]) => gates.find((g) => g.gate === 'calibrated_window')

describe('the calibrated-window gate', () => {
  it('passes a version inside its window; the version view and the signed bundle carry the window', async () => {
    const r = await promote({ version: v['open'] })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.forced).toBe(false)
    expect(gate(r.body.gates)).toMatchObject({
      passed: true,
      value: '[2011-06-12, 2011-09-10)',
      threshold: 'ends after 2011-07-01',
    })
    const view = await t.call('GET', `/v1/models/${MODEL}/versions/${v['open']}`)
    expect(view.body.calibratedWindow).toEqual(W)
    const res = await t.call('GET', `/v1/bundles/edge/current?model=${MODEL}`, { token: null })
    const bundle = await verifyBundle(new TextEncoder().encode(JSON.stringify(res.body)), {
      [t.keyId]: t.publicKey,
    })
    expect(bundle.manifest.calibratedWindow).toEqual(W)
  })

  it('refuses a version whose window has ended with 409 calibrated_window_passed naming it, and audits the refusal', async () => {
    clock = Date.parse('2011-09-10T00:00:00Z') // the first day after the window
    const dry = await t.call('GET', `/v1/models/${MODEL}/versions/${v['next']}/gates?channel=edge`)
    expect(dry.body.passed).toBe(false)
    expect(gate(dry.body.gates)).toMatchObject({
      passed: false,
      threshold: 'ends after 2011-09-10',
    })

    const r = await promote({ version: v['next'] })
    expect(r.status).toBe(409)
    expect(r.body.error.code).toBe('calibrated_window_passed')
    expect(r.body.error.message).toBe(
      `version ${v['next']} of "${MODEL}" is calibrated for predictions as of [2011-06-12, 2011-09-10), ` +
        'a window that ended on 2011-09-10 (today is 2011-09-10): retrain it on recent data, or ' +
        'promote it with "force": true and a reason (audited as forced)'
    )
    expect(r.body.error.details.calibratedWindow).toEqual(W)
    expect(gate(r.body.error.details.gates)).toMatchObject({ passed: false })
    expect((await getDeployment(t.services.db.db, MODEL, 'edge'))?.championVersion).toBe(v['open'])
    const audit = await t.call('GET', `/v1/audit?target=${MODEL}/edge&action=promotion.refused`)
    expect(audit.body.entries[0]).toMatchObject({ after: { version: v['next'] } })
  })

  it('names the other gates a version with an ended window also failed', async () => {
    const r = await promote({ version: v['worse'] })
    expect(r.status).toBe(409)
    expect(r.body.error.code).toBe('calibrated_window_passed')
    expect(r.body.error.message).toMatch(/; it also failed the gates: gini_vs_champion$/)
  })

  it('promotes it when forced, audited as promotion.forced naming the gate it overrode', async () => {
    const r = await promote({
      version: v['next'],
      force: true,
      reason: 'backfill: scoring 2011 as of 2011',
    })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.forced).toBe(true)
    const audit = await t.call('GET', `/v1/audit?target=${MODEL}/edge&action=promotion.forced`)
    expect(audit.body.entries[0]).toMatchObject({
      reason: 'backfill: scoring 2011 as of 2011',
      after: { championVersion: v['next'], overridden: ['calibrated_window'] },
    })
  })

  it('checks nothing for a version without a window (trained before one was recorded)', async () => {
    clock = Date.parse('2030-01-01T00:00:00Z')
    const r = await promote({ version: v['none'], channel: 'widget' })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.forced).toBe(false)
    expect(gate(r.body.gates)).toMatchObject({ passed: true, value: null })
    expect(gate(r.body.gates)!).toHaveProperty('detail', expect.stringContaining('not checked'))
    const view = await t.call('GET', `/v1/models/${MODEL}/versions/${v['none']}`)
    expect(view.body.calibratedWindow).toBeNull()
    const res = await t.call('GET', `/v1/bundles/widget/current?model=${MODEL}`, { token: null })
    expect(res.body.manifest).not.toHaveProperty('calibratedWindow')
  })
})
