import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import {
  EXPECTED,
  FEATURE,
  histogram,
  LATENCY_MS,
  PROBABILITY,
  readExposition,
  report,
} from '../test-support/telemetry.ts'
import { EdgeTelemetry, type EdgeTelemetryOptions } from './receiver.ts'

function receiver(o: EdgeTelemetryOptions = {}) {
  const registry = new Registry()
  const edge = new EdgeTelemetry(registry, o)
  const samples = async () => readExposition(await registry.metrics()).samples
  return { edge, registry, samples }
}

const scored = (modelVersion: string, n = 1) => ({
  modelVersion,
  variant: 'champion' as const,
  expected: histogram(EXPECTED, Array(n).fill(10)),
  pBuy: histogram(PROBABILITY, Array(n).fill(0.5)),
})

describe('EdgeTelemetry', () => {
  it('starts every family at zero: no reports, no drops, no rejections', async () => {
    const { samples } = receiver({ now: () => 0 })
    const s = await samples()
    expect(s.get('fcv_edge_telemetry_reports_total')).toBe(0)
    expect(s.get('fcv_edge_telemetry_dropped_total{kind="labels"}')).toBe(0)
    expect(s.get('fcv_edge_telemetry_rejected_total{reason="bounds_changed"}')).toBe(0)
    expect(s.get('fcv_edge_isolates_reporting')).toBe(0)
  })

  it('counts a retried report (same isolate and window) once', async () => {
    const { edge, samples } = receiver()
    const r = report('a', 0, { requests: [{ outcome: 'ok', n: 3 }] })
    expect(edge.ingest(r)).toEqual({ duplicate: false })
    expect(edge.ingest(structuredClone(r))).toEqual({ duplicate: true })
    expect(edge.ingest(report('a', 1, { requests: [{ outcome: 'ok', n: 1 }] }))).toEqual({
      duplicate: false,
    })
    expect(edge.ingest(report('b', 0, { requests: [{ outcome: 'ok', n: 1 }] }))).toEqual({
      duplicate: false,
    })
    const s = await samples()
    expect(s.get('fcv_edge_requests_total{outcome="ok"}')).toBe(5)
    expect(s.get('fcv_edge_telemetry_reports_total')).toBe(3)
    expect(s.get('fcv_edge_telemetry_rejected_total{reason="duplicate"}')).toBe(1)
  })

  it('remembers a bounded number of reports (the oldest is forgotten first)', () => {
    const { edge } = receiver({ rememberReports: 2 })
    for (const m of [0, 1, 2]) edge.ingest(report('a', m))
    expect(edge.ingest(report('a', 2)).duplicate).toBe(true)
    expect(edge.ingest(report('a', 0)).duplicate).toBe(false)
  })

  it('caps label sets per family and counts what it drops', async () => {
    const { edge, samples } = receiver({ maxSeries: 3 })
    const versions = ['1', '2', '3', '4', '5']
    edge.ingest(
      report('a', 0, {
        predictions: versions.map((v) => ({
          modelVersion: v,
          variant: 'champion',
          n: 1,
          errors: 0,
        })),
        predicted: versions.map((v) => scored(v)),
      })
    )
    // A known label set still counts when the family is full.
    edge.ingest(
      report('a', 1, {
        predictions: [{ modelVersion: '1', variant: 'champion', n: 2, errors: 0 }],
        predicted: [scored('1', 2)],
      })
    )
    const s = await samples()
    expect(s.get('fcv_edge_predictions_total{model_version="1",variant="champion"}')).toBe(3)
    expect(s.get('fcv_edge_predictions_total{model_version="3",variant="champion"}')).toBe(1)
    expect(s.has('fcv_edge_predictions_total{model_version="4",variant="champion"}')).toBe(false)
    expect(s.get('fcv_edge_predicted_value_count{model_version="1",variant="champion"}')).toBe(3)
    expect(s.has('fcv_edge_predicted_pbuy_ratio_count{model_version="4",variant="champion"}')).toBe(
      false
    )
    // 2 over the cap in each of predictions, errors, predicted value and pBuy.
    expect(s.get('fcv_edge_telemetry_dropped_total{kind="labels"}')).toBe(8)
  })

  it('bounds category labels: long, control-character and surplus values become __other__', async () => {
    const { edge, samples } = receiver({ maxCategoriesPerFeature: 2, maxCategoryLength: 10 })
    const feature = (categories: Record<string, number>) => ({
      featureSpecVersion: 'v2',
      name: 'country',
      numeric: histogram(FEATURE, []),
      categories,
    })
    edge.ingest(
      report('a', 0, {
        features: [feature({ France: 2, '': 1, 'a-very-long-country': 1, 'x\ty': 1, Spain: 4 })],
        dropped: { series: 0, categories: 3, flushFailures: 0 },
      })
    )
    edge.ingest(report('a', 1, { features: [feature({ France: 1, __other__: 5, zero: 0 })] }))
    const s = await samples()
    const label = (c: string) =>
      `fcv_edge_feature_category_total{feature_spec="v2",feature="country",category="${c}"}`
    expect(s.get(label('France'))).toBe(3)
    expect(s.get(label('__empty__'))).toBe(1)
    expect(s.get(label('__other__'))).toBe(1 + 1 + 4 + 5)
    expect(s.has(label('Spain'))).toBe(false)
    expect(s.has(label('zero'))).toBe(false)
    expect([...s.keys()].filter((k) => k.includes('category='))).toHaveLength(3)
    expect(s.get('fcv_edge_telemetry_dropped_total{kind="category_labels"}')).toBe(6)
    expect(s.get('fcv_edge_telemetry_dropped_total{kind="categories"}')).toBe(3)
    // A categorical feature's empty numeric histogram creates no series.
    expect([...s.keys()].some((k) => k.startsWith('fcv_edge_feature_bucket'))).toBe(false)
  })

  it('merges a report with finer bounds, and restarts a series on incompatible ones (counted)', async () => {
    const { edge, samples } = receiver()
    edge.ingest(report('a', 0, { latencyMs: histogram(LATENCY_MS, [3, 3]) }))
    // A worker with one more bucket (3 ms): still exact in the series' bounds.
    edge.ingest(
      report('b', 0, {
        latencyMs: histogram(
          [...LATENCY_MS, 3].sort((x, y) => x - y),
          [3, 4]
        ),
      })
    )
    let s = await samples()
    expect(s.get('fcv_edge_request_duration_seconds_bucket{le="0.005"}')).toBe(4)
    expect(s.get('fcv_edge_request_duration_seconds_bucket{le="0.01"}')).toBe(4)
    expect(s.get('fcv_edge_telemetry_rejected_total{reason="bounds_changed"}')).toBe(0)
    // Bounds without 5 ms: the series starts over with them.
    edge.ingest(report('c', 0, { latencyMs: histogram([4, 8], [7]) }))
    s = await samples()
    expect(s.has('fcv_edge_request_duration_seconds_bucket{le="0.005"}')).toBe(false)
    expect(s.get('fcv_edge_request_duration_seconds_bucket{le="0.008"}')).toBe(1)
    expect(s.get('fcv_edge_request_duration_seconds_count')).toBe(1)
    expect(s.get('fcv_edge_request_duration_seconds_sum')).toBeCloseTo(0.007, 12)
    expect(s.get('fcv_edge_telemetry_rejected_total{reason="bounds_changed"}')).toBe(1)
  })

  it('keeps a series per model version for features bucketed by its training profile, each on its own bounds', async () => {
    const { edge, samples } = receiver()
    const recency = (
      values: number[],
      modelVersion?: string,
      bounds: readonly number[] = FEATURE
    ) => ({
      featureSpecVersion: 'v2',
      ...(modelVersion ? { modelVersion } : {}),
      name: 'recency_days',
      numeric: histogram(bounds, values),
      categories: {},
    })
    // champion 7 and canary 8 profiled on different deciles, and a model without a profile
    const report1 = report('a', 0, {
      features: [recency([3, 40], '7', [5, 30, 90]), recency([3], '8', [10, 60]), recency([12])],
    })
    edge.ingest(report1)
    edge.ingest(report('b', 0, { features: [recency([100], '7', [5, 30, 90]), recency([7])] }))
    const s = await samples()
    const bucket = (labels: string) => s.get(`fcv_edge_feature_bucket{${labels}}`)
    const v = (mv: string, le: string) =>
      bucket(`feature_spec="v2",feature="recency_days",model_version="${mv}",le="${le}"`)
    expect([v('7', '5'), v('7', '30'), v('7', '90'), v('7', '+Inf')]).toEqual([1, 1, 2, 3])
    expect([v('8', '10'), v('8', '60'), v('8', '+Inf')]).toEqual([1, 1, 1])
    expect(
      s.get('fcv_edge_feature_sum{feature_spec="v2",feature="recency_days",model_version="7"}')
    ).toBe(143)
    // the shared series has no model_version label at all, as before the label existed
    expect(bucket('feature_spec="v2",feature="recency_days",le="10"')).toBe(1)
    expect(bucket('feature_spec="v2",feature="recency_days",le="+Inf"')).toBe(2)
    expect([...s.keys()].some((k) => k.includes('model_version=""'))).toBe(false)
    // different bounds per version are not a change of bounds
    expect(s.get('fcv_edge_telemetry_rejected_total{reason="bounds_changed"}')).toBe(0)
  })

  it('counts the isolates that reported in the last 5 minutes, and when the last report came', async () => {
    let now = 1_000_000
    const { edge, samples } = receiver({ now: () => now })
    edge.ingest(report('a', 0))
    now += 60_000
    edge.ingest(report('b', 0))
    edge.ingest(report('b', 1))
    let s = await samples()
    expect(s.get('fcv_edge_isolates_reporting')).toBe(2)
    expect(s.get('fcv_edge_last_report_timestamp_seconds')).toBe(1060)
    now += 4 * 60_000 // a: 5 minutes ago
    s = await samples()
    expect(s.get('fcv_edge_isolates_reporting')).toBe(1)
    now += 60_000
    expect((await samples()).get('fcv_edge_isolates_reporting')).toBe(0)
  })

  it('remembers a bounded number of isolates', async () => {
    const { edge, samples } = receiver({ maxIsolates: 3, now: () => 0 })
    for (let i = 0; i < 10; i++) edge.ingest(report(`i${i}`, 0))
    expect((await samples()).get('fcv_edge_isolates_reporting')).toBe(3)
  })
})
