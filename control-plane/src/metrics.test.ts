import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startTestApp, type TestApp } from './test-support/harness.ts'
import { startPushTarget, type PushTarget } from './test-support/push-target.ts'
import { PROFILE, scoredReport, TRAINING } from './test-support/profile.ts'
import { goodTags, registerVersion, withProfile } from './test-support/registry.ts'
import {
  EXPECTED,
  FEATURE,
  histogram,
  LATENCY_MS,
  PROBABILITY,
  report,
  widgetSection,
  widgetSeries,
} from './test-support/telemetry.ts'
import { METRICS } from '../../k8s/monitoring/metrics.ts'

// Metric hygiene: the whole /metrics output of the real app, with every fcv_* family holding
// samples, passes Prometheus' own linter, and names only families the alert rules and dashboards
// (k8s/monitoring/metrics.ts) know with the type they expect.

const MODEL = `cp-metrics-${Date.now()}`
let t: TestApp
let edge: PushTarget
let reporter: string
let version: string

beforeAll(async () => {
  edge = await startPushTarget()
  t = await startTestApp(inject('mlflowUri'), {
    FCV_MODEL_NAME: MODEL,
    FCV_EDGE_PUBLISH_URLS: edge.url,
    FCV_FLEET_REFRESH_SECONDS: '0',
  })
  const r = await t.call('POST', '/v1/tokens', { body: { name: 'metrics', role: 'reporter' } })
  expect(r.status).toBe(201)
  reporter = r.body.token
  version = await registerVersion(t.mlflow, MODEL, goodTags(), {
    'model.json': withProfile(PROFILE),
  })
})
afterAll(async () => {
  await t.services.reconciler.stop()
  await t.close()
  await edge.close()
})

const promote = (channel: string, extra: Record<string, unknown> = {}) =>
  t.call('POST', `/v1/models/${MODEL}/promotions`, {
    body: { version, channel, reason: 'metrics test', ...extra },
  })

async function scrape(): Promise<string> {
  const res = await t.call('GET', '/metrics', { token: null })
  expect(res.status).toBe(200)
  return res.body as string
}

/** What a busy isolate sends: every section filled, a widget section included. */
const busyMinute = (minute: number) =>
  report('busy', minute, {
    requests: [
      { outcome: 'ok', n: 40 },
      { outcome: 'bad_request', n: 2 },
      { outcome: 'error', n: 1 },
    ],
    predictions: [
      { modelVersion: '3', variant: 'champion', n: 38, errors: 1 },
      { modelVersion: '4', variant: 'shadow', n: 38, errors: 0 },
    ],
    latencyMs: histogram(LATENCY_MS, [2, 3, 5, 8, 13, 40, 180]),
    predicted: [
      {
        modelVersion: '3',
        variant: 'champion',
        expected: histogram(EXPECTED, [0, 12, 80, 450, 2_000]),
        pBuy: histogram(PROBABILITY, [0.02, 0.3, 0.7, 0.95]),
      },
    ],
    features: [
      {
        featureSpecVersion: 'v2',
        name: 'recency_days',
        numeric: histogram(FEATURE, [1, 30, 200]),
        categories: {},
      },
      {
        featureSpecVersion: 'v2',
        name: 'country',
        numeric: histogram(FEATURE, []),
        categories: { 'United Kingdom': 30, Germany: 5, '': 1 },
      },
    ],
    dropped: { series: 1, categories: 2, flushFailures: 0 },
    widget: widgetSection({ accepted: 20, rate_limited: 1 }, [
      widgetSeries('3', 'champion', 'ok', [15, 40, 90], [25, 300, 900]),
      widgetSeries(null, 'champion', 'no_model', [2]),
    ]),
  })

/** Families by name (histogram and counter samples folded) from `# TYPE` lines. */
function families(text: string): Map<string, { type: string; samples: number }> {
  const out = new Map<string, { type: string; samples: number }>()
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm))
    out.set(m[1]!, { type: m[2]!, samples: 0 })
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0]
    const family =
      out.get(name) ?? out.get(name.replace(/_(bucket|count|sum|created)$/, '')) ?? null
    expect(family, `sample without # TYPE: ${line}`).not.toBeNull()
    family!.samples++
  }
  return out
}

describe('/metrics', () => {
  it('passes `promtool check metrics` whole, with every fcv_* family holding samples', async () => {
    expect((await promote('edge')).status).toBe(200)
    // Refused: a canary at the widget without a champion there.
    expect((await promote('widget', { canaryShare: 0.1 })).status).toBe(409)
    expect(
      (await t.call('POST', '/v1/telemetry', { token: reporter, body: busyMinute(0) })).status
    ).toBe(202)
    // The fleet gauges: a profiled champion scoring now, and an isolate on a version not deployed.
    const now = {
      ...scoredReport('fleet', Date.now(), version, TRAINING, [
        { channel: 'edge', variant: 'champion', modelVersion: version },
        { channel: 'edge', variant: 'shadow', modelVersion: '99' },
      ]),
      widget: widgetSection({ accepted: 1 }, [widgetSeries(version, 'champion', 'ok', [15], [25])]),
    }
    expect((await t.call('POST', '/v1/telemetry', { token: reporter, body: now })).status).toBe(202)
    await t.services.reconciler.reconcileNow()

    const text = await scrape()
    const found = families(text)
    const fcv = [...found].filter(([name]) => name.startsWith('fcv_'))
    for (const [name, f] of fcv) expect(f.samples, `${name} has samples`).toBeGreaterThan(0)
    // Each one is what the rules and dashboards expect, under the same name and type.
    for (const [name, f] of fcv) expect(METRICS[name]?.type, name).toBe(f.type)
    expect(found.get('http_requests_total')?.type).toBe('counter')

    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
    expect(lint.error, 'promtool (apt-get install prometheus)').toBeUndefined()
    expect(`${lint.stdout}${lint.stderr}`.trim()).toBe('')
    expect(lint.status).toBe(0)
  })

  it('counts promotions by channel and outcome', async () => {
    const count = async (channel: string, outcome: string) => {
      const m = new RegExp(
        `^fcv_promotions_total\\{channel="${channel}",outcome="${outcome}"\\} (\\d+)$`,
        'm'
      ).exec(await scrape())
      expect(m, `${channel}/${outcome}`).not.toBeNull()
      return Number(m![1])
    }
    const before = {
      succeeded: await count('widget', 'succeeded'),
      refused: await count('widget', 'refused'),
      failed: await count('widget', 'failed'),
    }
    // A request with an Idempotency-Key, sent twice: replayed, and not counted twice.
    const keyed = () =>
      t.call('POST', `/v1/models/${MODEL}/promotions`, {
        body: { version, channel: 'widget', reason: 'metrics test, keyed' },
        headers: { 'idempotency-key': 'metrics-test-key' },
      })
    expect((await keyed()).status).toBe(200)
    expect((await keyed()).headers.get('idempotent-replayed')).toBe('true')
    // A gate says no: the candidate is worse than the champion it was evaluated against.
    const worse = await registerVersion(
      t.mlflow,
      MODEL,
      goodTags({ widget: version }, { 'metric.gini': '0.80' })
    )
    const promoteWorse = (force: boolean) =>
      t.call('POST', `/v1/models/${MODEL}/promotions`, {
        body: { version: worse, channel: 'widget', reason: 'metrics test, worse', force },
      })
    expect((await promoteWorse(false)).status).toBe(409)
    // Forced, but the push target refuses the bundle: an error while executing.
    edge.failWith = 422
    try {
      expect((await promoteWorse(true)).status).toBe(502)
    } finally {
      edge.failWith = null
    }
    expect(await count('widget', 'succeeded')).toBe(before.succeeded + 1)
    expect(await count('widget', 'refused')).toBe(before.refused + 1)
    expect(await count('widget', 'failed')).toBe(before.failed + 1)
  })
})
