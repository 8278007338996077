// Test support: a training profile as `fcv train` writes one (two features, the predictions), and
// telemetry reports of a population drawn like it or shifted away from it, bucketed as the Worker
// buckets a profiled model's features (by the profile's own bounds, under its model version).

import {
  histogramOf,
  profileBounds,
  TELEMETRY_BOUNDS,
  TELEMETRY_SCHEMA,
  type TelemetryPayload,
  type TelemetryServing,
  type TrainingProfile,
} from '@fcv/core'

/** A customer as the profile sees one: two features and the model's two outputs. */
interface Customer {
  recency: number
  spend: number
  value: number
  pBuy: number
}

/** `n` customers; `shift` > 0 makes them lapse (older, spending less): the drift a test forces. */
export function population(n: number, shift = 0): Customer[] {
  return Array.from({ length: n }, (_, i) => {
    const recency = 1 + ((i * 37) % 365) + shift * 200
    const spend = i % 5 < 3 ? 0 : ((i * 13) % 400) / (1 + shift * 4)
    return { recency, spend, value: spend * 0.6, pBuy: 1 / (1 + recency / 60) }
  })
}

export function profileOf(customers: readonly Customer[]): TrainingProfile {
  const recency = customers.map((c) => c.recency)
  const spend = customers.map((c) => c.spend)
  return {
    cutoff: '2011-06-12',
    rows: customers.length,
    features: [
      { name: 'recency_days', ...histogramOf(profileBounds(recency), recency) },
      { name: 'spend_90d', ...histogramOf(profileBounds(spend), spend) },
    ],
    predicted: {
      value: histogramOf(
        TELEMETRY_BOUNDS.expected,
        customers.map((c) => c.value)
      ),
      pBuy: histogramOf(
        TELEMETRY_BOUNDS.pBuy,
        customers.map((c) => c.pBuy)
      ),
    },
  }
}

/** The training profile every test model of the fleet tests carries. */
export const TRAINING = population(400)
export const PROFILE = profileOf(TRAINING)

/**
 * What one isolate reports for the minute ending at `end` (epoch ms) after scoring `customers` with
 * `modelVersion` as champion, saying it serves `serving`.
 */
export function scoredReport(
  isolate: string,
  end: number,
  modelVersion: string,
  customers: readonly Customer[],
  serving: TelemetryServing[]
): TelemetryPayload {
  const feature = (name: string, values: number[]) => {
    const bounds = PROFILE.features.find((f) => f.name === name)!.bounds
    return {
      featureSpecVersion: 'v2',
      modelVersion,
      name,
      numeric: histogramOf(bounds, values),
      categories: {},
    }
  }
  return {
    schema: TELEMETRY_SCHEMA,
    source: { worker: 'fcv-edge', isolate, colo: 'FRA' },
    window: { start: new Date(end - 60_000).toISOString(), end: new Date(end).toISOString() },
    requests: [{ outcome: 'ok', n: customers.length }],
    predictions: [{ modelVersion, variant: 'champion', n: customers.length, errors: 0 }],
    latencyMs: histogramOf(TELEMETRY_BOUNDS.latencyMs, [3]),
    predicted: [
      {
        modelVersion,
        variant: 'champion',
        expected: histogramOf(
          TELEMETRY_BOUNDS.expected,
          customers.map((c) => c.value)
        ),
        pBuy: histogramOf(
          TELEMETRY_BOUNDS.pBuy,
          customers.map((c) => c.pBuy)
        ),
      },
    ],
    features: [
      feature(
        'recency_days',
        customers.map((c) => c.recency)
      ),
      feature(
        'spend_90d',
        customers.map((c) => c.spend)
      ),
    ],
    dropped: { series: 0, categories: 0, flushFailures: 0 },
    ...(serving.length ? { serving } : {}),
  }
}
