import type { TelemetryPayload } from '@fcv/core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../test-support/harness.ts'
import {
  EXPECTED,
  FEATURE,
  histogram,
  LATENCY_MS,
  PROBABILITY,
  readExposition,
  report,
  widgetSection,
  widgetSeries,
} from '../test-support/telemetry.ts'
import { TELEMETRY_BODY_LIMIT } from './routes.ts'

let t: TestApp
const tokens: Record<string, string> = {}
beforeAll(async () => {
  t = await startTestApp(inject('mlflowUri'))
  for (const role of ['reporter', 'viewer', 'publisher']) {
    const r = await t.call('POST', '/v1/tokens', { body: { name: `telemetry-${role}`, role } })
    expect(r.status).toBe(201)
    tokens[role] = r.body.token
  }
})
afterAll(() => t.close())

const send = (body: unknown, token: string | null = tokens['reporter']!) =>
  t.call('POST', '/v1/telemetry', { token, body })

async function metrics() {
  const res = await t.call('GET', '/metrics', { token: null })
  expect(res.status).toBe(200)
  return readExposition(res.body as string)
}

/** Isolate a's minute: two requests' worth of everything. */
const fromA = (minute: number): TelemetryPayload =>
  report('a', minute, {
    requests: [
      { outcome: 'ok', n: 3 },
      { outcome: 'bad_request', n: 1 },
    ],
    predictions: [
      { modelVersion: '7', variant: 'champion', n: 5, errors: 0 },
      { modelVersion: '8', variant: 'shadow', n: 4, errors: 1 },
    ],
    latencyMs: histogram(LATENCY_MS, [0.5, 3, 4, 30]),
    predicted: [
      {
        modelVersion: '7',
        variant: 'champion',
        expected: histogram(EXPECTED, [0, 30, 30]),
        pBuy: histogram(PROBABILITY, [0.2, 0.5, 0.97]),
      },
    ],
    features: [
      {
        featureSpecVersion: 'v2',
        name: 'recency_days',
        numeric: histogram(FEATURE, [-3, 12]),
        categories: {},
      },
      {
        featureSpecVersion: 'v2',
        name: 'country',
        numeric: histogram(FEATURE, []),
        categories: { 'United Kingdom': 2, '': 1 },
      },
    ],
    dropped: { series: 1, categories: 0, flushFailures: 2 },
  })

/** Isolate b's minute. */
const fromB = (): TelemetryPayload =>
  report('b', 0, {
    requests: [{ outcome: 'ok', n: 2 }],
    predictions: [{ modelVersion: '7', variant: 'champion', n: 2, errors: 0 }],
    latencyMs: histogram(LATENCY_MS, [1, 4000]),
    predicted: [
      {
        modelVersion: '7',
        variant: 'champion',
        expected: histogram(EXPECTED, [30]),
        pBuy: histogram(PROBABILITY, [1]),
      },
    ],
    features: [
      {
        featureSpecVersion: 'v2',
        name: 'country',
        numeric: histogram(FEATURE, []),
        categories: { 'United Kingdom': 1, France: 1 },
      },
    ],
  })

describe('POST /v1/telemetry', () => {
  it('needs a token whose role may report: 401 without, 403 for viewer and publisher', async () => {
    for (const token of [null, 'fcv_reporter_not-a-real-token']) {
      const r = await send(fromA(50), token)
      expect(r.status).toBe(401)
      expect(r.body.error.code).toBe('unauthenticated')
    }
    for (const role of ['viewer', 'publisher']) {
      const r = await send(fromA(50), tokens[role]!)
      expect(r.status, role).toBe(403)
      expect(r.body.error.message).toBe(`the role "${role}" may not report`)
    }
  })

  it('answers 400 naming the bad field, and a malformed body as such', async () => {
    const bad = fromA(51)
    bad.predicted[0]!.expected.counts.pop()
    const r = await send(bad)
    expect(r.status).toBe(400)
    expect(r.body.error.code).toBe('invalid_request')
    expect(r.body.error.message).toBe(
      'body.predicted.0.expected.counts: must have one more entry than bounds (16), has 15'
    )
    expect(r.body.error.details).toEqual([
      { field: 'body.predicted.0.expected.counts', reason: expect.any(String) },
    ])
    const version = await send({ ...fromA(51), schema: 'fcv.edge.telemetry/v0' })
    expect(version.body.error.message).toMatch(/^body\.schema: /)
    const malformed = await t.call('POST', '/v1/telemetry', {
      token: tokens['reporter']!,
      headers: { 'content-type': 'application/json' },
    })
    expect(malformed.status).toBe(400)
  })

  it(`answers 413 beyond ${TELEMETRY_BODY_LIMIT} bytes, before parsing`, async () => {
    const big = { ...fromA(52), padding: 'x'.repeat(TELEMETRY_BODY_LIMIT) }
    const r = await send(big)
    expect(r.status).toBe(413)
    expect(r.body.error.code).toBe('payload_too_large')
    // Declared too large: refused on the header alone.
    const declared = await t.call('POST', '/v1/telemetry', {
      token: tokens['reporter']!,
      body: fromA(52),
      headers: { 'content-length': String(TELEMETRY_BODY_LIMIT + 1) },
    })
    expect(declared.status).toBe(413)
  })

  it('counts what was refused, by reason', async () => {
    const s = (await metrics()).samples
    const rejected = (reason: string) =>
      s.get(`fcv_edge_telemetry_rejected_total{reason="${reason}"}`)
    expect(rejected('unauthenticated')).toBe(2)
    expect(rejected('forbidden')).toBe(2)
    expect(rejected('invalid')).toBe(3)
    expect(rejected('too_large')).toBe(2)
    expect(s.get('fcv_edge_telemetry_reports_total')).toBe(0)
  })

  it('sums reports from two isolates into the fcv_edge_* metrics; a retry is not counted twice', async () => {
    const first = await send(fromA(0))
    expect(first.status).toBe(202)
    expect(first.body).toEqual({ accepted: true, duplicate: false })
    expect((await send(fromB(), tokens['reporter']!)).body).toEqual({
      accepted: true,
      duplicate: false,
    })
    const retry = await send(fromA(0))
    expect(retry.status).toBe(202)
    expect(retry.body).toEqual({ accepted: true, duplicate: true })

    const { lines, samples, types } = await metrics()
    expect(types.get('fcv_edge_request_duration_seconds')).toBe('histogram')
    expect(types.get('fcv_edge_requests_total')).toBe('counter')
    expect(types.get('fcv_edge_isolates_reporting')).toBe('gauge')
    for (const line of [
      'fcv_edge_requests_total{outcome="ok"} 5',
      'fcv_edge_requests_total{outcome="bad_request"} 1',
      'fcv_edge_predictions_total{model_version="7",variant="champion"} 7',
      'fcv_edge_predictions_total{model_version="8",variant="shadow"} 4',
      'fcv_edge_prediction_errors_total{model_version="7",variant="champion"} 0',
      'fcv_edge_prediction_errors_total{model_version="8",variant="shadow"} 1',
      'fcv_edge_feature_category_total{feature_spec="v2",feature="country",category="United Kingdom"} 3',
      'fcv_edge_feature_category_total{feature_spec="v2",feature="country",category="__empty__"} 1',
      'fcv_edge_feature_category_total{feature_spec="v2",feature="country",category="France"} 1',
      'fcv_edge_telemetry_reports_total 2',
      'fcv_edge_telemetry_rejected_total{reason="duplicate"} 1',
      'fcv_edge_telemetry_dropped_total{kind="series"} 1',
      'fcv_edge_telemetry_dropped_total{kind="flush_failures"} 2',
      'fcv_edge_telemetry_dropped_total{kind="labels"} 0',
      'fcv_edge_isolates_reporting 2',
    ]) {
      expect(lines).toContain(line)
    }
    // Latency: a's 0.5, 3, 4, 30 ms and b's 1, 4000 ms, in seconds.
    expect(lines.filter((l) => l.startsWith('fcv_edge_request_duration_seconds_bucket'))).toEqual(
      [
        ['0.001', 2],
        ['0.002', 2],
        ['0.005', 4],
        ['0.01', 4],
        ['0.02', 4],
        ['0.05', 5],
        ['0.1', 5],
        ['0.25', 5],
        ['0.5', 5],
        ['1', 5],
        ['2.5', 5],
        ['+Inf', 6],
      ].map(([le, n]) => `fcv_edge_request_duration_seconds_bucket{le="${le}"} ${n}`)
    )
    expect(samples.get('fcv_edge_request_duration_seconds_count')).toBe(6)
    expect(samples.get('fcv_edge_request_duration_seconds_sum')).toBeCloseTo(4.0385, 12)
    // Predicted values of 7/champion: 0, 30, 30 from a and 30 from b.
    const model = 'model_version="7",variant="champion"'
    for (const line of [
      `fcv_edge_predicted_value_bucket{${model},le="0"} 1`,
      `fcv_edge_predicted_value_bucket{${model},le="25"} 1`,
      `fcv_edge_predicted_value_bucket{${model},le="50"} 4`,
      `fcv_edge_predicted_value_bucket{${model},le="+Inf"} 4`,
      `fcv_edge_predicted_value_sum{${model}} 90`,
      `fcv_edge_predicted_value_count{${model}} 4`,
      `fcv_edge_predicted_pbuy_ratio_bucket{${model},le="0.2"} 1`,
      `fcv_edge_predicted_pbuy_ratio_bucket{${model},le="0.95"} 2`,
      `fcv_edge_predicted_pbuy_ratio_bucket{${model},le="1"} 4`,
      'fcv_edge_feature_bucket{feature_spec="v2",feature="recency_days",le="-1"} 1',
      'fcv_edge_feature_bucket{feature_spec="v2",feature="recency_days",le="10"} 1',
      'fcv_edge_feature_bucket{feature_spec="v2",feature="recency_days",le="100"} 2',
      'fcv_edge_feature_sum{feature_spec="v2",feature="recency_days"} 9',
    ]) {
      expect(lines).toContain(line)
    }
    expect(samples.get(`fcv_edge_predicted_pbuy_ratio_sum{${model}}`)).toBeCloseTo(2.67, 12)
    // The categorical feature's empty numeric histogram makes no series.
    expect(lines.some((l) => l.includes('feature="country",le='))).toBe(false)
    const last = samples.get('fcv_edge_last_report_timestamp_seconds')!
    expect(Math.abs(last - Date.now() / 1000)).toBeLessThan(60)
  })

  it('restarts a series whose bounds changed incompatibly, and counts it', async () => {
    const upgraded = report('c', 0, { latencyMs: histogram([4, 8], [7]) })
    expect((await send(upgraded)).status).toBe(202)
    const { lines, samples } = await metrics()
    expect(lines.filter((l) => l.startsWith('fcv_edge_request_duration_seconds_bucket'))).toEqual([
      'fcv_edge_request_duration_seconds_bucket{le="0.004"} 0',
      'fcv_edge_request_duration_seconds_bucket{le="0.008"} 1',
      'fcv_edge_request_duration_seconds_bucket{le="+Inf"} 1',
    ])
    expect(samples.get('fcv_edge_telemetry_rejected_total{reason="bounds_changed"}')).toBe(1)
  })

  it("takes features bucketed by a model's training profile, a series per model version", async () => {
    const profiled = {
      featureSpecVersion: 'v2',
      modelVersion: '7',
      name: 'recency_days',
      numeric: histogram([5, 30, 90], [3, 40, 40]),
      categories: {},
    }
    expect((await send(report('p', 0, { features: [profiled] }))).status).toBe(202)
    const twice = await send(report('p', 1, { features: [profiled, profiled] }))
    expect(twice.status).toBe(400)
    expect(twice.body.error.message).toBe(
      'body.features.1: repeats a feature of that spec and model version'
    )
    const { lines } = await metrics()
    const labels = 'feature_spec="v2",feature="recency_days",model_version="7"'
    for (const line of [
      `fcv_edge_feature_bucket{${labels},le="5"} 1`,
      `fcv_edge_feature_bucket{${labels},le="90"} 3`,
      `fcv_edge_feature_count{${labels}} 3`,
      // the fixed-bounds series of the reports before, unchanged beside it
      'fcv_edge_feature_sum{feature_spec="v2",feature="recency_days"} 9',
    ]) {
      expect(lines).toContain(line)
    }
  })

  it('lets admin report too, and is in the OpenAPI document', async () => {
    expect((await send(report('d', 0), ADMIN_TOKEN)).status).toBe(202)
    const doc = (await t.call('GET', '/openapi.json', { token: null })).body
    const op = doc.paths['/v1/telemetry'].post
    expect(Object.keys(op.responses)).toEqual(['202', '400', '401', '403', '413', '422', '503'])
    expect(op.security).toEqual([{ bearer: [] }])
    expect(doc.components.schemas.TelemetryPayload).toBeDefined()
  })

  it("takes a report's widget section into fcv_widget_*, and refuses a bad one naming the field", async () => {
    const widget = widgetSection({ accepted: 2, too_large: 1 }, [
      widgetSeries('7', 'champion', 'ok', [3, 40], [12, 600]),
    ])
    expect((await send(report('w', 0, { widget }))).status).toBe(202)
    const bad = structuredClone(widget)
    bad.series[0]!.n = 3
    const refused = await send(report('w', 1, { widget: bad }))
    expect(refused.status).toBe(400)
    expect(refused.body.error.message).toBe(
      'body.widget.series.0.latencyMs: must count n (3) calls for outcome ok, counts 2'
    )
    const res = await t.call('GET', '/metrics', { token: null })
    const { lines } = readExposition(res.body as string, 'fcv_widget_', false)
    for (const line of [
      'fcv_widget_beacons_total{outcome="accepted"} 2',
      'fcv_widget_beacons_total{outcome="too_large"} 1',
      'fcv_widget_scores_total{model_version="7",variant="champion",outcome="ok"} 2',
      'fcv_widget_score_duration_seconds_bucket{model_version="7",variant="champion",outcome="ok",le="0.005"} 1',
      'fcv_widget_predicted_value_count{model_version="7",variant="champion"} 2',
    ]) {
      expect(lines).toContain(line)
    }
  })
})
