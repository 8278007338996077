import { canonicalJson, verifyBundle } from '@fcv/core'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { getDeployment } from '../db/index.ts'
import { startTestApp, type TestApp } from '../test-support/harness.ts'
import { startPushTarget, type PushTarget } from '../test-support/push-target.ts'
import { FIXTURE_MODEL, goodTags, registerVersion } from '../test-support/registry.ts'

// Promotion end to end: a real MLflow server, PGlite, a push target standing in for the edge.

const uri = inject('mlflowUri')
const MODEL = `cp-promote-${Date.now()}`
let t: TestApp
let edge: PushTarget
const v: Record<string, string> = {}

beforeAll(async () => {
  edge = await startPushTarget()
  t = await startTestApp(uri, {
    FCV_MODEL_NAME: MODEL,
    FCV_EDGE_PUBLISH_URLS: edge.url,
    FCV_EDGE_PUBLISH_TOKEN: 'edge-publisher-token',
  })
  v['first'] = await registerVersion(t.mlflow, MODEL, goodTags())
  v['worse'] = await registerVersion(
    t.mlflow,
    MODEL,
    goodTags({ edge: '1' }, { 'metric.gini': '0.80' })
  )
  v['better'] = await registerVersion(t.mlflow, MODEL, goodTags({ edge: '1', widget: '1' }))
})
afterAll(async () => {
  await t.close()
  await edge.close()
})

const promote = (body: Record<string, unknown>, key?: string) =>
  t.call('POST', `/v1/models/${MODEL}/promotions`, {
    body: { channel: 'edge', reason: 'test promotion', ...body },
    ...(key ? { headers: { 'idempotency-key': key } } : {}),
  })

describe('promotion', () => {
  it('promotes the first version (no champion yet): signed bundle published, channel alias set, audited', async () => {
    const r = await promote({ version: v['first'] }, 'first-promotion-key')
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body).toMatchObject({
      version: v['first'],
      role: 'champion',
      forced: false,
      deployment: { revision: 1, before: null },
    })
    expect(r.body.gates.every((g: { passed: boolean }) => g.passed)).toBe(true)
    // The bundle store serves it, and it verifies with the public key; its files are the model's.
    const res = await t.call('GET', `/v1/bundles/edge/current?model=${MODEL}`, { token: null })
    expect(res.status).toBe(200)
    const bytes = new TextEncoder().encode(JSON.stringify(res.body))
    const checked = await verifyBundle(bytes, { [t.keyId]: t.publicKey })
    expect(checked.manifest).toMatchObject({
      name: MODEL,
      version: v['first'],
      horizonDays: 90,
      currency: 'GBP',
    })
    expect(checked.manifest.metrics['gini']).toBe(0.86)
    expect(
      Buffer.from(checked.weights).equals(readFileSync(join(FIXTURE_MODEL, 'weights.bin')))
    ).toBe(true)
    // Pushed to the edge before the channel pointed at it, with the publisher token.
    expect(edge.received).toHaveLength(1)
    expect(edge.received[0]!.headers['authorization']).toBe('Bearer edge-publisher-token')
    expect(edge.received[0]!.headers['x-fcv-digest']).toBe(r.body.bundle.digest)
    expect(r.body.publish).toEqual([{ target: edge.url, outcome: 'delivered', detail: null }])
    expect((await t.mlflow.getVersionByAlias(MODEL, 'champion-edge'))?.version).toBe(v['first'])
    expect(await t.mlflow.getVersionByAlias(MODEL, 'champion-widget')).toBeNull()
    expect(await t.mlflow.getVersionByAlias(MODEL, 'champion')).toBeNull()
    const audit = await t.call('GET', `/v1/audit?target=${MODEL}/edge`)
    expect(audit.body.entries[0]).toMatchObject({
      actor: 'bootstrap-admin',
      action: 'promotion',
      reason: 'test promotion',
    })
  })

  it('replays a finished promotion for the same Idempotency-Key, refuses the key for another request', async () => {
    const again = await promote({ version: v['first'] }, 'first-promotion-key')
    expect(again.status).toBe(200)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(again.body.deployment.revision).toBe(1)
    const other = await promote({ version: v['better'] }, 'first-promotion-key')
    expect(other.status).toBe(422)
    expect(other.body.error.code).toBe('idempotency_key_reused')
    expect(edge.received).toHaveLength(1)
  })

  it('shows the gate table without promoting (dry run)', async () => {
    const dry = await t.call('GET', `/v1/models/${MODEL}/versions/${v['worse']}/gates?channel=edge`)
    expect(dry.status, JSON.stringify(dry.body)).toBe(200)
    expect(dry.body).toMatchObject({ champion: v['first'], passed: false })
    expect(dry.body.gates.find((g: { gate: string }) => g.gate === 'gini_vs_champion').passed).toBe(
      false
    )
    expect((await getDeployment(t.services.db.db, MODEL, 'edge'))?.revision).toBe(1)
    expect(
      (await t.call('GET', `/v1/models/${MODEL}/versions/${v['worse']}/gates?channel=moon`)).status
    ).toBe(400)
  })

  it('refuses a version that fails a gate with 409 and the gate table, and changes nothing', async () => {
    const r = await promote({ version: v['worse'] })
    expect(r.status).toBe(409)
    expect(r.body.error.code).toBe('gates_failed')
    const gini = r.body.error.details.gates.find(
      (g: { gate: string }) => g.gate === 'gini_vs_champion'
    )
    expect(gini).toMatchObject({ passed: false, value: -0.05, threshold: '>= 0' })
    expect((await getDeployment(t.services.db.db, MODEL, 'edge'))?.championVersion).toBe(v['first'])
    const audit = await t.call('GET', `/v1/audit?target=${MODEL}/edge&action=promotion.refused`)
    expect(audit.body.entries).toHaveLength(1)
  })

  it('promotes a better version, keeping the previous champion as "previous-edge"', async () => {
    const r = await promote({ version: v['better'] })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.deployment.before.championVersion).toBe(v['first'])
    expect((await t.mlflow.getVersionByAlias(MODEL, 'champion-edge'))?.version).toBe(v['better'])
    expect((await t.mlflow.getVersionByAlias(MODEL, 'previous-edge'))?.version).toBe(v['first'])
  })

  it('rolls back to the previous champion, and the store serves its bundle again', async () => {
    const r = await t.call('POST', `/v1/models/${MODEL}/rollbacks`, {
      body: { channel: 'edge', reason: 'bad numbers at the edge' },
    })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.after.championVersion).toBe(v['first'])
    const current = await t.call('GET', `/v1/bundles/edge/current?model=${MODEL}`, { token: null })
    expect(current.body.manifest.version).toBe(v['first'])
    expect(r.body.publish).toEqual([{ target: edge.url, outcome: 'delivered', detail: null }])
    expect((await t.mlflow.getVersionByAlias(MODEL, 'champion-edge'))?.version).toBe(v['first'])
    expect((await t.mlflow.getVersionByAlias(MODEL, 'previous-edge'))?.version).toBe(v['better'])
    const audit = await t.call('GET', `/v1/audit?target=${MODEL}/edge&action=rollback`)
    expect(audit.body.entries[0]).toMatchObject({ reason: 'bad numbers at the edge' })
  })

  it('forces a failing version only with a reason, and audits it as forced', async () => {
    const r = await promote({
      version: v['worse'],
      force: true,
      reason: 'incident 42: the old model is broken',
    })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.forced).toBe(true)
    const audit = await t.call('GET', `/v1/audit?target=${MODEL}/edge&action=promotion.forced`)
    expect(audit.body.entries[0]).toMatchObject({ reason: 'incident 42: the old model is broken' })
    expect((await promote({ version: v['worse'], force: true, reason: '' })).status).toBe(400)
  })

  it('refuses a canary on a channel without a champion, and mirrors MLflow aliases on sync', async () => {
    const r = await t.call('POST', `/v1/models/${MODEL}/promotions`, {
      body: { version: v['better'], channel: 'widget', reason: 'canary first', canaryShare: 0.1 },
    })
    expect(r.status).toBe(409)
    expect(r.body.error.code).toBe('no_champion')
    const synced = await t.call('POST', `/v1/models/${MODEL}/sync`)
    const champion = synced.body.versions.find((x: { aliases: string[] }) =>
      x.aliases.includes('champion-edge')
    )
    expect(champion?.version).toBe(
      (await t.mlflow.getVersionByAlias(MODEL, 'champion-edge'))?.version
    )
  })

  it('runs a canary and a shadow on the widget channel', async () => {
    const base = await t.call('POST', `/v1/models/${MODEL}/promotions`, {
      body: { version: v['first'], channel: 'widget', reason: 'widget champion' },
    })
    expect(base.status, JSON.stringify(base.body)).toBe(200)
    // Each channel has its own champion alias; the edge's is untouched.
    expect((await t.mlflow.getVersionByAlias(MODEL, 'champion-widget'))?.version).toBe(v['first'])
    expect((await t.mlflow.getVersionByAlias(MODEL, 'champion-edge'))?.version).toBe(v['worse'])
    const canary = await t.call('POST', `/v1/models/${MODEL}/promotions`, {
      body: { version: v['better'], channel: 'widget', reason: 'try it on 10%', canaryShare: 0.1 },
    })
    expect(canary.status, JSON.stringify(canary.body)).toBe(200)
    expect(canary.body).toMatchObject({
      role: 'canary',
      deployment: {
        after: { championVersion: v['first'], canaryVersion: v['better'], canaryShare: 0.1 },
      },
    })
    const share = await t.call('PUT', `/v1/models/${MODEL}/deployments/widget/canary`, {
      body: { share: 0.3, reason: 'looks fine' },
    })
    expect(share.body.after.canaryShare).toBe(0.3)
    // The edge learns the canary and its share from the pushes.
    const pushed = edge.received.filter(
      (r) => r.headers['x-fcv-channel'] === 'widget' && r.headers['x-fcv-role'] === 'canary'
    )
    expect(pushed.map((r) => r.headers['x-fcv-canary-share'])).toEqual(['0.1', '0.3'])
    const shadow = await t.call('PUT', `/v1/models/${MODEL}/deployments/widget/shadow`, {
      body: { version: v['worse'], reason: 'watch it' },
    })
    expect(shadow.status, JSON.stringify(shadow.body)).toBe(200)
    expect(shadow.body.after).toMatchObject({
      shadowVersion: v['worse'],
      championVersion: v['first'],
      canaryVersion: v['better'],
    })
    const stop = await t.call('PUT', `/v1/models/${MODEL}/deployments/widget/canary`, {
      body: { share: 0, reason: 'enough' },
    })
    expect(stop.body.after).toMatchObject({ canaryVersion: null, canaryShare: 0 })
    const noShadow = await t.call('PUT', `/v1/models/${MODEL}/deployments/widget/shadow`, {
      body: { version: null, reason: 'done' },
    })
    expect(noShadow.body.after.shadowVersion).toBeNull()
    expect(edge.withdrawn).toEqual(['widget/canary', 'widget/shadow'])
    const d = await t.call('GET', `/v1/models/${MODEL}/deployments`)
    expect(
      d.body.history
        .filter((h: { channel: string }) => h.channel === 'widget')
        .map((h: { cause: string }) => h.cause)
    ).toEqual(['shadow.stop', 'canary.stop', 'shadow', 'canary.share', 'canary', 'promote'])
  })

  it('serialises concurrent promotions of one model: one wins, the other gets 409', async () => {
    edge.delayMs = 400
    try {
      const [a, b] = await Promise.all([
        promote({ version: v['better'], reason: 'race a', force: true }, 'race-key-a'),
        promote({ version: v['first'], reason: 'race b', force: true }, 'race-key-b'),
      ])
      const statuses = [a.status, b.status].sort()
      expect(statuses, JSON.stringify([a.body, b.body])).toEqual([200, 409])
      const loser = a.status === 409 ? a : b
      expect(['promotion_in_progress', 'concurrent_change']).toContain(loser.body.error.code)
    } finally {
      edge.delayMs = 0
    }
  })

  it('a target that refuses the bundle fails the promotion and changes nothing', async () => {
    const before = await getDeployment(t.services.db.db, MODEL, 'edge')
    const alias = (await t.mlflow.getVersionByAlias(MODEL, 'champion-edge'))?.version
    edge.failWith = 422
    try {
      const r = await promote({
        version: before!.championVersion === v['better'] ? v['first'] : v['better'],
        force: true,
        reason: 'the target refuses it',
      })
      expect(r.status).toBe(502)
      expect(r.body.error.code).toBe('publish_failed')
      expect(r.body.error.message).toContain('HTTP 422')
    } finally {
      edge.failWith = null
    }
    const after = await getDeployment(t.services.db.db, MODEL, 'edge')
    expect(after).toEqual(before)
    expect((await t.mlflow.getVersionByAlias(MODEL, 'champion-edge'))?.version).toBe(alias)
    const failed = await t.call('GET', `/v1/audit?target=${MODEL}/edge&action=promotion.failed`)
    expect(failed.body.entries[0].after.error).toContain('could not be published')
  })

  it('refuses to sign a version the runtimes cannot score (422), and changes nothing', async () => {
    const doc = JSON.parse(readFileSync(join(FIXTURE_MODEL, 'model.json'), 'utf8')) as {
      userDefinedMetadata: { fcv: Record<string, unknown> }
    }
    delete doc.userDefinedMetadata.fcv['maxSigma']
    const broken = await registerVersion(t.mlflow, MODEL, goodTags(), {
      'model.json': new TextEncoder().encode(JSON.stringify(doc)),
    })
    const before = await getDeployment(t.services.db.db, MODEL, 'widget')
    const pushes = edge.received.length
    const r = await promote({
      version: broken,
      channel: 'widget',
      force: true,
      reason: 'not scorable',
    })
    expect(r.status, JSON.stringify(r.body)).toBe(422)
    expect(r.body.error.code).toBe('model_not_servable')
    expect(r.body.error.message).toContain('maxSigma')
    expect(await getDeployment(t.services.db.db, MODEL, 'widget')).toEqual(before)
    expect(edge.received.length).toBe(pushes)
  })

  it('a target that does not answer does not fail the promotion: recorded, and pending for the reconciler', async () => {
    const before = await getDeployment(t.services.db.db, MODEL, 'edge')
    const version = before!.championVersion === v['better'] ? v['first'] : v['better']
    const pushes = edge.received.length
    edge.failWith = 503
    let r
    try {
      r = await promote({ version, force: true, reason: 'the edge is down' })
    } finally {
      edge.failWith = null
    }
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.publish).toEqual([
      {
        target: edge.url,
        outcome: 'pending',
        detail: expect.stringMatching(
          /HTTP 503 target failure; the reconciler delivers it when the target answers$/
        ),
      },
    ])
    expect(edge.received).toHaveLength(pushes) // every attempt was answered 503
    expect((await getDeployment(t.services.db.db, MODEL, 'edge'))?.championVersion).toBe(version)
    expect((await t.mlflow.getVersionByAlias(MODEL, 'champion-edge'))?.version).toBe(version)
    // The target answers again: the reconciler brings it to the recorded state.
    const [status] = await t.services.reconciler.reconcileNow()
    expect(status).toMatchObject({ state: 'converged', inSync: true, error: null })
    expect(status!.changes).toEqual([
      expect.objectContaining({
        channel: 'edge',
        role: 'champion',
        action: 'push',
        version,
        result: 'ok',
      }),
    ])
    expect(edge.slots.get('edge/champion')?.version).toBe(version)
  })
})

describe('MLflow unreachable', () => {
  it('fails promotion cleanly (503) with nothing changed, and /readyz says not ready', async () => {
    const down = await startTestApp('http://127.0.0.1:9')
    try {
      const r = await down.call('POST', `/v1/models/${MODEL}/promotions`, {
        body: { version: '1', channel: 'edge', reason: 'mlflow is down' },
      })
      expect(r.status).toBe(503)
      expect(r.body.error.code).toBe('mlflow_unavailable')
      expect(await getDeployment(down.services.db.db, MODEL, 'edge')).toBeUndefined()
      const ready = await down.call('GET', '/readyz', { token: null })
      expect(ready.status).toBe(503)
      expect(ready.body.checks).toMatchObject({ database: { ok: true }, mlflow: { ok: false } })
    } finally {
      await down.close()
    }
    const up = await t.call('GET', '/readyz', { token: null })
    expect(up.body).toEqual({
      ready: true,
      checks: { database: { ok: true }, mlflow: { ok: true } },
    })
  })
})

describe('bundle store', () => {
  it('answers 304 for the current ETag, and serves digests as immutable', async () => {
    const first = await t.call('GET', `/v1/bundles/edge/current?model=${MODEL}`, { token: null })
    const etag = first.headers.get('etag')!
    expect(first.headers.get('cache-control')).toBe('public, max-age=0, must-revalidate')
    const again = await t.call('GET', `/v1/bundles/edge/current?model=${MODEL}`, {
      token: null,
      headers: { 'if-none-match': etag },
    })
    expect(again.status).toBe(304)
    const digest = etag.replaceAll('"', '')
    const pinned = await t.call('GET', `/v1/bundles/sha256/${digest}`, { token: null })
    expect(pinned.status).toBe(200)
    expect(pinned.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(
      (await t.call('GET', `/v1/bundles/sha256/${'0'.repeat(64)}`, { token: null })).status
    ).toBe(404)
    expect((await t.call('GET', '/v1/bundles/sha256/nothex', { token: null })).status).toBe(400)
  })

  it('publishes the public key to trust, and bundles verify with exactly it', async () => {
    const res = await t.call('GET', '/v1/signing-keys', { token: null })
    expect(res.status).toBe(200)
    const { keys } = res.body as { keys: Record<string, string> }
    expect(keys).toEqual({ [t.keyId]: t.publicKey })
    const current = await t.call('GET', `/v1/bundles/edge/current?model=${MODEL}`, { token: null })
    // The stored bytes are canonical JSON, so re-encoding the parsed document gives them back.
    const bytes = new TextEncoder().encode(canonicalJson(current.body))
    const verified = await verifyBundle(bytes, keys)
    expect(verified.keyId).toBe(t.keyId)
  })
})
