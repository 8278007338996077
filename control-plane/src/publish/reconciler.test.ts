import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startTestApp, type TestApp } from '../test-support/harness.ts'
import { startPushTarget, type PushTarget } from '../test-support/push-target.ts'
import { goodTags, registerVersion } from '../test-support/registry.ts'

// The reconciler with the control plane in process (PGlite, a real MLflow server) and two stand-ins
// for edge workers; the real Worker meets it in edge-worker/integration/reconcile.test.ts.

const uri = inject('mlflowUri')
const MODEL = `cp-reconcile-${Date.now()}`
let t: TestApp
let a: PushTarget
let b: PushTarget
const v: string[] = []

beforeAll(async () => {
  a = await startPushTarget()
  b = await startPushTarget()
  t = await startTestApp(uri, {
    FCV_MODEL_NAME: MODEL,
    FCV_EDGE_PUBLISH_URLS: `${a.url},${b.url}`,
    FCV_RECONCILE_INTERVAL_SECONDS: '1',
  })
  for (let i = 0; i < 3; i++) v.push(await registerVersion(t.mlflow, MODEL, goodTags()))
})
afterAll(async () => {
  await t.services.reconciler.stop()
  await t.close()
  await a.close()
  await b.close()
})

const promote = (version: string, channel: string, extra: Record<string, unknown> = {}) =>
  t.call('POST', `/v1/models/${MODEL}/promotions`, {
    body: { version, channel, reason: 'reconciler test', force: true, ...extra },
  })

const served = (target: PushTarget) =>
  Object.fromEntries(
    [...target.slots.entries()].map(([k, s]) => [
      k,
      s.role === 'canary' ? `${s.version}@${s.canaryShare}` : s.version,
    ])
  )

const statusOf = (target: PushTarget) =>
  t.services.reconciler.statuses().find((s) => s.target === target.url)!

describe('reconciler', () => {
  it('finds targets that took every change in sync, and brings a wiped one back', async () => {
    expect((await promote(v[0]!, 'edge')).status).toBe(200)
    expect((await promote(v[1]!, 'widget')).status).toBe(200)
    const want = { 'edge/champion': v[0], 'widget/champion': v[1] }
    expect(served(a)).toEqual(want)
    b.slots.clear() // wiped
    const statuses = await t.services.reconciler.reconcileNow()
    expect(statuses.map((s) => [s.target, s.state])).toEqual([
      [a.url, 'in_sync'],
      [b.url, 'converged'],
    ])
    expect(statusOf(b).changes.map((c) => `${c.action} ${c.channel}/${c.role} ${c.why}`)).toEqual([
      'push edge/champion missing',
      'push widget/champion missing',
    ])
    expect(served(b)).toEqual(want)
    expect(statusOf(b)).toMatchObject({ inSync: true, failures: 0, error: null, unmanaged: [] })
  })

  it('fixes another version, a canary share, and withdraws what a channel no longer has', async () => {
    expect((await promote(v[2]!, 'edge', { canaryShare: 0.2 })).status).toBe(200)
    const s = a.slots.get('edge/canary')!
    a.slots.set('edge/canary', { ...s, canaryShare: 0.5 })
    a.slots.set('widget/champion', {
      ...a.slots.get('widget/champion')!,
      version: '99',
      digest: 'f'.repeat(64),
    })
    a.slots.set('widget/shadow', { ...s, channel: 'widget', role: 'shadow' })
    await t.services.reconciler.reconcileNow()
    expect(statusOf(a).changes.map((c) => `${c.action} ${c.channel}/${c.role}`)).toEqual([
      'push edge/canary',
      'push widget/champion',
      'withdraw widget/shadow',
    ])
    expect(served(a)).toEqual({
      'edge/champion': v[0],
      'edge/canary': `${v[2]}@0.2`,
      'widget/champion': v[1],
    })
    expect(a.withdrawn).toContain('widget/shadow')
  })

  it('retries a target that fails with backoff, and converges it by itself when it answers', async () => {
    b.failWith = 503
    b.slots.clear()
    t.services.reconciler.start()
    try {
      const reads = b.arrived
      while (statusOf(b).failures < 2) await new Promise((r) => setTimeout(r, 50))
      expect(statusOf(b)).toMatchObject({ state: 'unreachable', inSync: false })
      expect(statusOf(b).error).toContain('HTTP 503')
      expect(b.arrived - reads).toBeGreaterThanOrEqual(2)
      const metrics = (await t.call('GET', '/metrics', { token: null })).body as string
      expect(metrics).toContain(`fcv_publish_target_in_sync{target="${b.url}"} 0`)
      expect(metrics).toMatch(
        new RegExp(
          `fcv_publish_reconciliations_total\\{target="${b.url}",outcome="unreachable"\\} [2-9]`
        )
      )
      const back = Date.now()
      b.failWith = null
      while (!statusOf(b).inSync) await new Promise((r) => setTimeout(r, 50))
      // Within the interval (1 s here): the retry after two failures is at most 1 s away.
      expect(Date.now() - back).toBeLessThan(1500)
      expect(served(b)).toEqual(served(a))
      const after = (await t.call('GET', '/metrics', { token: null })).body as string
      expect(after).toContain(`fcv_publish_target_in_sync{target="${b.url}"} 1`)
    } finally {
      b.failWith = null
      await t.services.reconciler.stop()
    }
  })

  it('never pushes back the state a promotion is replacing', async () => {
    // A pass reads the desired state, then the target, slowly; a promotion lands meanwhile, so the
    // pass sees the new version where it expects the old. It must not push the old one back.
    b.readDelayMs = 500
    try {
      const arrived = b.arrived
      const pass = t.services.reconciler.reconcileNow()
      // The pass's read has reached the target (and waits there).
      while (b.arrived === arrived) await new Promise((r) => setTimeout(r, 5))
      const promoted = await promote(v[1]!, 'edge')
      expect(b.slots.get('edge/champion')?.version).toBe(v[1]) // the promotion's push, first
      expect(promoted.status, JSON.stringify(promoted.body)).toBe(200)
      await pass
    } finally {
      b.readDelayMs = 0
    }
    expect(b.slots.get('edge/champion')?.version).toBe(v[1])
    expect(statusOf(b).state).toBe('in_sync')
    expect(statusOf(b).inSync).toBe(true)
  })

  it('does not push a model the targets do not serve, and says so', async () => {
    const other = `${MODEL}-other`
    const version = await registerVersion(t.mlflow, other, goodTags())
    const pushes = a.received.length
    const r = await t.call('POST', `/v1/models/${other}/promotions`, {
      body: { version, channel: 'edge', reason: 'another model' },
    })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    const detail = `the push targets serve "${MODEL}" (FCV_MODEL_NAME), not "${other}"`
    expect(r.body.publish).toEqual([
      { target: a.url, outcome: 'skipped', detail },
      { target: b.url, outcome: 'skipped', detail },
    ])
    expect(a.received).toHaveLength(pushes)
  })

  it('shows every target to readers, and reconciles on demand for publishers only', async () => {
    const viewer = (await t.call('POST', '/v1/tokens', { body: { name: 'rv', role: 'viewer' } }))
      .body.token as string
    const read = await t.call('GET', '/v1/publish-targets', { token: viewer })
    expect(read.status).toBe(200)
    expect(read.body).toMatchObject({ model: MODEL, intervalSeconds: 1 })
    expect(read.body.targets.map((x: { target: string }) => x.target)).toEqual([a.url, b.url])
    expect((await t.call('POST', '/v1/publish-targets/reconcile', { token: viewer })).status).toBe(
      403
    )
    const now = await t.call('POST', '/v1/publish-targets/reconcile')
    expect(now.status).toBe(200)
    expect(now.body.targets.every((x: { inSync: boolean }) => x.inSync)).toBe(true)
    expect(now.body.aliases).toMatchObject({ error: null })
  })
})

describe('reconciler, after a change a target missed', () => {
  let slow: TestApp
  let target: PushTarget
  const model = `${MODEL}-missed`
  beforeAll(async () => {
    target = await startPushTarget()
    // A long interval: only the nudge after the change can bring the target up to date soon.
    slow = await startTestApp(uri, {
      FCV_MODEL_NAME: model,
      FCV_EDGE_PUBLISH_URLS: target.url,
      FCV_RECONCILE_INTERVAL_SECONDS: '600',
    })
  })
  afterAll(async () => {
    await slow.services.reconciler.stop()
    await slow.close()
    await target.close()
  })

  it('tries a target that was in sync but missed a promotion again at once, not at the interval', async () => {
    const first = await registerVersion(slow.mlflow, model, goodTags())
    const second = await registerVersion(slow.mlflow, model, goodTags())
    const promoteTo = (version: string) =>
      slow.call('POST', `/v1/models/${model}/promotions`, {
        body: { version, channel: 'edge', reason: 'missed', force: true },
      })
    expect((await promoteTo(first)).status).toBe(200)
    slow.services.reconciler.start()
    const status = () => slow.services.reconciler.statuses()[0]!
    while (!status().inSync) await new Promise((r) => setTimeout(r, 50))
    target.failWith = 503
    const r = await promoteTo(second)
    expect(r.body.publish[0].outcome).toBe('pending')
    const back = Date.now()
    target.failWith = null
    while (target.slots.get('edge/champion')?.version !== second) {
      expect(Date.now() - back, 'the missed promotion waited for the interval').toBeLessThan(10_000)
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(status().inSync).toBe(true)
  })
})
