// The control plane and the Worker together, each as it runs in production: the control plane as
// its own Node process (PGlite, a real MLflow server), the Worker as `wrangler deploy --dry-run`
// builds it, in workerd under Miniflare, both on loopback. Promotions reach the Worker through the
// control plane's edge publisher (through a proxy that can tamper with pushes), and the Worker's
// telemetry reaches the control plane's /metrics.

import autocannon from 'autocannon'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  bucketOf,
  connectionTo,
  generateSigningKey,
  importSigningKey,
  MlflowClient,
  WIDGET_BEACON_BOUNDS,
  WIDGET_BEACON_SCHEMA,
  type WidgetBeacon,
} from '@fcv/core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { openDatabase } from '../../control-plane/src/db/open.ts'
import { listServing } from '../../control-plane/src/db/telemetry.ts'
import { ADMIN_TOKEN } from '../../control-plane/src/test-support/harness.ts'
import {
  startControlPlane,
  type ControlPlaneProcess,
} from '../../control-plane/src/test-support/process.ts'
import {
  goodTags,
  registerVersion,
  withWindow,
} from '../../control-plane/src/test-support/registry.ts'
import { buildDir, buildWorker, startBuiltWorker, type BuiltWorker } from '../local/built-worker.ts'
import { startTamperProxy, type TamperProxy } from './tamper-proxy.ts'

const MODEL = 'edge-integration'
const PUBLISHER_TOKEN = 'edge-integration-publisher-token-8d2f71'
const day = 86_400_000
const asOf = Date.parse('2011-06-01T00:00:00Z')
/** The calibrated window of versions[3]: it holds asOf, and ended in 2011. */
const WINDOW = { from: '2011-03-14', to: '2011-06-12', levelAdjusted: true }

const histories = [
  {
    customerId: 'c-uk',
    transactions: [
      { timestamp: asOf - 200 * day, amountMinor: 4_500, orderId: 'o1', country: 'United Kingdom' },
      { timestamp: asOf - 40 * day, amountMinor: 12_000, orderId: 'o2', productId: 'p9' },
      { timestamp: asOf - 39 * day, amountMinor: -2_000, orderId: 'o2r' },
    ],
  },
  {
    customerId: 'c-fr',
    transactions: [{ timestamp: asOf - 3 * day, amountMinor: 800, country: 'France' }],
  },
]

let cp: ControlPlaneProcess
let worker: BuiltWorker
let proxy: TamperProxy
let build: Awaited<ReturnType<typeof buildDir>>
let dataDir: string
let workerBindings: Record<string, string>
const versions: string[] = []

async function cpCall(method: string, path: string, body?: unknown) {
  const res = await fetch(`${cp.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

const promote = (version: string, channel: 'edge' | 'widget' = 'edge', force = true) =>
  cpCall('POST', `/v1/models/${MODEL}/promotions`, {
    version,
    channel,
    reason: `integration: promote ${version}`,
    // The gates are not the point here; and a model of this 2011 data has a calibrated window that
    // ended long ago, which only a forced promotion serves.
    ...(force ? { force: true } : {}),
  })

/** The champion the Worker serves on the edge channel. */
async function served(): Promise<{ version: string; digest: string }> {
  const res = await fetch(`${worker.url}/v1/model`)
  expect(res.status).toBe(200)
  return ((await res.json()) as { champion: { version: string; digest: string } }).champion
}

/** Predictions this test's Worker has answered, per model version: what its telemetry must add up to. */
const predicted = new Map<string, number>()

async function predictVersions(): Promise<string[]> {
  const res = await fetch(`${worker.url}/v1/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customers: histories, asOf: new Date(asOf).toISOString() }),
  })
  const body = (await res.json()) as {
    predictions: { customerId: string; modelVersion: string; expected: number }[]
  }
  expect(res.status, JSON.stringify(body)).toBe(200)
  // The units of the control plane's bundle: its fcv.currency and fcv.horizon_days tags, the model's spec.
  expect(body).toMatchObject({
    horizonDays: 90,
    currency: 'GBP',
    currencyExponent: 2,
    amountUnit: 'major',
  })
  expect(body.predictions.map((p) => p.customerId)).toEqual(['c-uk', 'c-fr'])
  for (const p of body.predictions) {
    expect(Number.isFinite(p.expected)).toBe(true)
    predicted.set(p.modelVersion, (predicted.get(p.modelVersion) ?? 0) + 1)
  }
  return body.predictions.map((p) => p.modelVersion)
}

beforeAll(async () => {
  const client = new MlflowClient(connectionTo(inject('mlflowUri'), {}))
  for (let i = 0; i < 3; i++) versions.push(await registerVersion(client, MODEL, goodTags()))
  // A fourth as `fcv train` makes one now: the fixture with a calibrated window (2011, long over).
  const windowed = withWindow(WINDOW)
  versions.push(
    await registerVersion(
      client,
      MODEL,
      { ...goodTags(), ...windowed.tags },
      { 'model.json': windowed.modelJson }
    )
  )

  const key = await generateSigningKey()
  const foreign = await importSigningKey((await generateSigningKey()).privateKeyPkcs8)
  // The proxy first (the control plane pushes through it), the Worker last (it reports to the
  // control plane with a reporter token the control plane issues).
  proxy = await startTamperProxy('http://127.0.0.1:9', foreign)
  dataDir = mkdtempSync(join(tmpdir(), 'fcv-edge-integration-'))
  cp = await startControlPlane({
    MLFLOW_TRACKING_URI: inject('mlflowUri'),
    FCV_DATA_DIR: join(dataDir, 'pglite'),
    FCV_ADMIN_TOKEN: ADMIN_TOKEN,
    FCV_SIGNING_KEY: key.privateKeyPkcs8,
    FCV_MODEL_NAME: MODEL,
    FCV_EDGE_PUBLISH_URLS: proxy.url,
    FCV_EDGE_PUBLISH_TOKEN: PUBLISHER_TOKEN,
  })
  const reporter = await cpCall('POST', '/v1/tokens', { name: 'edge-telemetry', role: 'reporter' })
  expect(reporter.status).toBe(201)
  // What the Worker trusts comes from the control plane, as an operator would set it up.
  const trusted = (await (await fetch(`${cp.url}/v1/signing-keys`)).json()) as { keys: object }
  build = await buildDir()
  workerBindings = {
    // The production form of the publisher secret: only its hash is in the Worker.
    PUBLISHER_TOKEN_SHA256: createHash('sha256').update(PUBLISHER_TOKEN).digest('hex'),
    TRUSTED_KEYS: JSON.stringify(trusted.keys),
    TELEMETRY_URL: `${cp.url}/v1/telemetry`,
    TELEMETRY_TOKEN: reporter.body['token'] as string,
    // Flush after every scored request, so the test sees each one arrive.
    TELEMETRY_FLUSH_PREDICTIONS: '1',
  }
  worker = await startBuiltWorker({
    script: await buildWorker(build.dir),
    bindings: workerBindings,
  })
  proxy.target = worker.url
}, 120_000)

afterAll(async () => {
  await cp?.kill('SIGTERM')
  await proxy?.close()
  await worker?.stop()
  await build?.remove()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('control plane → Worker', () => {
  it('before any promotion the Worker answers 503 with Retry-After', async () => {
    const res = await fetch(`${worker.url}/v1/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customers: histories }),
    })
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('30')
  })

  it('a promotion reaches the Worker, which then scores with the new version', async () => {
    const [v1, v2] = versions as [string, string]
    const first = await promote(v1)
    expect(first.status, JSON.stringify(first.body)).toBe(200)
    expect(await served()).toMatchObject({ version: v1 })
    expect(await predictVersions()).toEqual([v1, v1])

    const second = await promote(v2)
    expect(second.status, JSON.stringify(second.body)).toBe(200)
    const now = await served()
    expect(now.version).toBe(v2)
    expect(await predictVersions()).toEqual([v2, v2])
    // What the Worker serves to widgets is byte for byte the bundle the control plane signed.
    const fromWorker = new Uint8Array(
      await (await fetch(`${worker.url}/v1/bundle/${now.digest}`)).arrayBuffer()
    )
    const fromCp = new Uint8Array(
      await (await fetch(`${cp.url}/v1/bundles/edge/current?model=${MODEL}`)).arrayBuffer()
    )
    expect(fromWorker).toEqual(fromCp)
    expect(proxy.pushes.map((p) => p.status)).toEqual([200, 200])
    expect((await fetch(`${worker.url}/v1/model`).then((r) => r.json())).problem).toBeNull()
  })

  it('a bundle with one byte of weights flipped is rejected; the old version keeps serving', async () => {
    const [, v2, v3] = versions as [string, string, string]
    proxy.mode = 'flip-weight-byte'
    try {
      const res = await promote(v3)
      expect(res.status).toBe(502)
      expect(JSON.stringify(res.body)).toMatch(/publish_failed/)
    } finally {
      proxy.mode = 'none'
    }
    // Refused once: the control plane does not retry a bundle the Worker refused.
    expect(proxy.pushes.filter((p) => p.tampering === 'flip-weight-byte')).toEqual([
      { tampering: 'flip-weight-byte', status: 422, code: 'digest-mismatch' },
    ])
    expect(await served()).toMatchObject({ version: v2 })
    expect(await predictVersions()).toEqual([v2, v2])
  })

  it('a bundle signed by a key the Worker does not trust is rejected; the old version keeps serving', async () => {
    const [, v2, v3] = versions as [string, string, string]
    proxy.mode = 'foreign-key'
    try {
      const res = await promote(v3)
      expect(res.status).toBe(502)
    } finally {
      proxy.mode = 'none'
    }
    expect(proxy.pushes.filter((p) => p.tampering === 'foreign-key')).toEqual([
      { tampering: 'foreign-key', status: 422, code: 'unknown-key' },
    ])
    expect(await served()).toMatchObject({ version: v2 })
    expect(await predictVersions()).toEqual([v2, v2])
    // Untampered, the same promotion goes through.
    const res = await promote(v3)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(await predictVersions()).toEqual([v3, v3])
  })

  it("the Worker's telemetry reaches the control plane's /metrics", async () => {
    const [, , v3] = versions as [string, string, string]
    const series = `fcv_edge_predictions_total{model_version="${v3}",variant="champion"}`
    const count = async () => {
      const text = await (await fetch(`${cp.url}/metrics`)).text()
      const line = text.split('\n').find((l) => l.startsWith(`${series} `))
      return line ? Number(line.slice(series.length + 1)) : 0
    }
    expect(await predictVersions()).toEqual([v3, v3])
    // Each flush runs after its response (ctx.waitUntil), so an earlier test's may still be on its
    // way: poll until every prediction at v3 so far is counted, then check not one more is.
    const expected = predicted.get(v3) ?? 0
    const deadline = Date.now() + 10_000
    while ((await count()) < expected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100))
    }
    await new Promise((r) => setTimeout(r, 300))
    expect(await count()).toBe(expected)
    const text = await (await fetch(`${cp.url}/metrics`)).text()
    expect(text).toMatch(/^fcv_edge_requests_total\{outcome="ok"\} [1-9]/m)
    expect(text).toMatch(/^fcv_edge_feature_count\{feature_spec="v2",feature="spend_30d"\} [1-9]/m)
    // Every report was accepted: none rejected as invalid or unauthenticated.
    expect(text).not.toMatch(
      /^fcv_edge_telemetry_rejected_total\{reason="(invalid|unauthenticated)"\} [1-9]/m
    )
  })

  it("a widget's beacon reaches the control plane's /metrics as fcv_widget_scores_total", async () => {
    const [, , v3] = versions as [string, string, string]
    const promoted = await promote(v3, 'widget')
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(200)
    // What a page reads before it scores: the widget champion, revalidated by ETag.
    const bundle = await fetch(`${worker.url}/v1/bundle`)
    expect(bundle.status).toBe(200)
    expect(bundle.headers.get('x-fcv-version')).toBe(v3)
    await bundle.body?.cancel()

    const counts = (bounds: readonly number[], values: number[]) => {
      const out = new Array<number>(bounds.length + 1).fill(0)
      for (const v of values) out[bucketOf(bounds, v)]!++
      return out
    }
    const beacon: WidgetBeacon = {
      schema: WIDGET_BEACON_SCHEMA,
      model: MODEL,
      series: [
        {
          modelVersion: v3,
          variant: 'champion',
          outcome: 'ok',
          n: 2,
          latencyMs: counts(WIDGET_BEACON_BOUNDS.latencyMs, [4, 60]),
          expected: counts(WIDGET_BEACON_BOUNDS.expected, [30, 700]),
        },
      ],
    }
    // As navigator.sendBeacon sends it.
    const res = await fetch(`${worker.url}/v1/beacon`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://shop.test' },
      body: JSON.stringify(beacon),
    })
    expect(res.status).toBe(204)
    // The beacon waits in the Worker's window; a scored request makes it due (FLUSH_PREDICTIONS=1).
    expect(await predictVersions()).toEqual([v3, v3])

    const series = `fcv_widget_scores_total{model_version="${v3}",variant="champion",outcome="ok"}`
    const metrics = async () => (await fetch(`${cp.url}/metrics`)).text()
    const deadline = Date.now() + 10_000
    let text = await metrics()
    while (!text.includes(`${series} `) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100))
      text = await metrics()
    }
    expect(text.split('\n')).toContain(`${series} 2`)
    expect(text).toMatch(/^fcv_widget_beacons_total\{outcome="accepted"\} 1$/m)
    expect(text).toContain(
      `fcv_widget_score_duration_seconds_bucket{model_version="${v3}",variant="champion",outcome="ok",le="0.005"} 1`
    )
  })

  it('serves concurrent requests while the model is refreshed, every one of them 200', async () => {
    // Another Worker of the same build, refreshing every second, given the current champion:
    // concurrent requests meet refreshes in flight, and each is answered from the view another
    // request is refreshing. (The 500 "Cannot perform I/O on behalf of a different request" this
    // once caused shows under `npm run bench -- edge`, which fails on any non-2xx; this shorter
    // load did not trigger it even before the fix.)
    const busy = await startBuiltWorker({
      script: join(build.dir, 'index.js'),
      bindings: { ...workerBindings, MODEL_REFRESH_SECONDS: '1' },
    })
    try {
      const current = await fetch(`${cp.url}/v1/bundles/edge/current?model=${MODEL}`)
      const pushed = await fetch(`${busy.url}/_admin/bundle`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${PUBLISHER_TOKEN}`,
          'content-type': 'application/json',
          'x-fcv-channel': 'edge',
          'x-fcv-role': 'champion',
        },
        body: new Uint8Array(await current.arrayBuffer()),
      })
      expect(pushed.status).toBe(200)
      // The most requests in flight at each refresh: small bodies (feature rows) at full rate.
      const spec = (
        (await (await fetch(`${busy.url}/v1/model`)).json()) as {
          champion: { manifest: { featureSpec: { features: { name: string }[] } } }
        }
      ).champion.manifest.featureSpec.features
      const row = spec.map((f) => (f.name === 'country' ? 'United Kingdom' : 1))
      const result = await autocannon({
        url: `${busy.url}/v1/predict`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          customers: Array.from({ length: 100 }, (_, i) => ({
            customerId: `c${i}`,
            features: row,
          })),
        }),
        connections: 16,
        duration: 6,
      })
      expect(result.requests.total).toBeGreaterThan(300)
      expect({ non2xx: result.non2xx, errors: result.errors }).toEqual({ non2xx: 0, errors: 0 })
    } finally {
      await busy.stop()
    }
  })

  it('a model whose calibrated window ended is refused unless forced; the Worker names the window and flags an asOf outside it', async () => {
    const v4 = versions[3]!
    const refused = await promote(v4, 'edge', false)
    expect(refused.status).toBe(409)
    expect(refused.body['error']).toMatchObject({
      code: 'calibrated_window_passed',
      message: expect.stringContaining(
        '[2011-03-14, 2011-06-12), a window that ended on 2011-06-12'
      ),
    })
    const forced = await promote(v4)
    expect(forced.status, JSON.stringify(forced.body)).toBe(200)
    expect(forced.body['forced']).toBe(true)
    const model = (await (await fetch(`${worker.url}/v1/model`)).json()) as {
      champion: { version: string; calibratedWindow: unknown; manifest: Record<string, unknown> }
    }
    expect(model.champion).toMatchObject({ version: v4, calibratedWindow: WINDOW })
    expect(model.champion.manifest['calibratedWindow']).toEqual(WINDOW)

    const answer = async (at: string) => {
      const res = await fetch(`${worker.url}/v1/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ customers: histories, asOf: at }),
      })
      expect(res.status).toBe(200)
      return (await res.json()) as { warnings: unknown[]; predictions: unknown[] }
    }
    expect((await answer(new Date(asOf).toISOString())).warnings).toEqual([])
    const late = await answer('2011-06-12T00:00:00Z')
    expect(late.predictions).toHaveLength(2) // flagged, still scored
    expect(late.warnings).toEqual([
      {
        code: 'as_of_outside_calibrated_window',
        modelVersion: v4,
        calibratedWindow: WINDOW,
        message: expect.stringContaining('asOf 2011-06-12T00:00:00.000Z is outside the window'),
      },
    ])
  })

  it('the admin route refuses a push without the publisher token', async () => {
    const res = await fetch(`${worker.url}/_admin/bundle`, { method: 'PUT', body: '{}' })
    expect(res.status).toBe(401)
    const text = await res.text()
    expect(text).not.toContain(PUBLISHER_TOKEN)
  })

  // Last: it stops the control plane to read its PGlite directory (one process at a time).
  it('the control plane stores what the Worker serves (telemetry `serving`)', async () => {
    const [, , v3] = versions as [string, string, string]
    const edge = await served()
    const reports = async () => {
      const text = await (await fetch(`${cp.url}/metrics`)).text()
      return Number(/^fcv_edge_telemetry_reports_total (\S+)$/m.exec(text)?.[1] ?? 0)
    }
    // Earlier tests' flushes may still be on their way: wait until the count settles.
    let before = await reports()
    for (let settled = 0; settled < 3;) {
      await new Promise((r) => setTimeout(r, 200))
      const now = await reports()
      settled = now === before ? settled + 1 : 0
      before = now
    }
    const since = new Date()
    expect(await predictVersions()).toEqual([edge.version, edge.version]) // flushed at once
    // The isolate may first resend a window it kept from a failed flush, whose `serving` is what it
    // held then: wait until the control plane, reading its own store, has this window's.
    const servesNow = async () => {
      const res = await cpCall('GET', `/v1/models/${MODEL}/fleet`)
      const fleet = res.body as {
        serving: { versions: { channel: string; modelVersion: string }[] }
      }
      return fleet.serving.versions.some(
        (v) => v.channel === 'edge' && v.modelVersion === edge.version
      )
    }
    const deadline = Date.now() + 10_000
    while (!((await reports()) > before && (await servesNow())) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(await reports()).toBeGreaterThan(before)
    await cp.kill('SIGTERM')
    const database = await openDatabase({ dataDir: join(dataDir, 'pglite') })
    try {
      const stored = await listServing(database.db, since)
      // The edge champion it scored with, and the widget champion a page fetched earlier (the
      // beacon test): this isolate still has that view, so it still reports it.
      expect(
        stored.map(({ channel, variant, modelVersion }) => ({ channel, variant, modelVersion }))
      ).toEqual(
        expect.arrayContaining([
          { channel: 'edge', variant: 'champion', modelVersion: edge.version },
          { channel: 'widget', variant: 'champion', modelVersion: v3 },
        ])
      )
      expect(stored.every((s) => s.isolates >= 1)).toBe(true)
    } finally {
      await database.close()
    }
  })
})
