import {
  WIDGET_BEACON_BOUNDS,
  WIDGET_BEACON_LIMITS,
  WIDGET_BEACON_SCHEMA,
  WidgetBeaconSchema,
} from '@fcv/core'
import { describe, expect, it, vi } from 'vitest'
import { flushTelemetry, record } from './telemetry.ts'

describe('beacons', () => {
  it('fold every score into counts per version, variant and outcome, and send only those', () => {
    const sent: [string, string][] = []
    vi.stubGlobal('navigator', {
      ...navigator,
      sendBeacon: (url: string, body: string) => (sent.push([url, body]), true),
    })
    const url = 'https://edge.test/v1/beacon'
    record(url, {
      model: 'm',
      modelVersion: '3',
      variant: 'champion',
      outcome: 'ok',
      latencyMs: 3,
      expected: 120,
    })
    record(url, {
      model: 'm',
      modelVersion: '3',
      variant: 'champion',
      outcome: 'ok',
      latencyMs: 40,
      expected: 7,
    })
    record(url, { model: 'm', modelVersion: '3', variant: 'champion', outcome: 'bad_input' })
    flushTelemetry()
    expect(sent).toHaveLength(1)
    expect(sent[0]![0]).toBe(url)
    const beacon = JSON.parse(sent[0]![1])
    expect(beacon).toEqual({
      schema: WIDGET_BEACON_SCHEMA,
      model: 'm',
      series: [
        {
          modelVersion: '3',
          variant: 'champion',
          outcome: 'ok',
          n: 2,
          latencyMs: [0, 0, 1, 0, 0, 1, 0, 0, 0, 0],
          expected: [0, 1, 0, 0, 1, 0, 0, 0, 0],
        },
        {
          modelVersion: '3',
          variant: 'champion',
          outcome: 'bad_input',
          n: 1,
          latencyMs: new Array(WIDGET_BEACON_BOUNDS.latencyMs.length + 1).fill(0),
          expected: new Array(WIDGET_BEACON_BOUNDS.expected.length + 1).fill(0),
        },
      ],
    })
    // What the Worker's POST /v1/beacon accepts (its schema, server side).
    expect(WidgetBeaconSchema.safeParse(beacon).success).toBe(true)
    // Sent once: nothing new, nothing sent.
    flushTelemetry()
    expect(sent).toHaveLength(1)
    // At most beaconsPerPage per page view.
    for (let i = 0; i < WIDGET_BEACON_LIMITS.beaconsPerPage + 2; i++) {
      record(url, {
        model: 'm',
        modelVersion: '3',
        variant: 'champion',
        outcome: 'ok',
        latencyMs: 1,
        expected: 1,
      })
      flushTelemetry()
    }
    expect(sent).toHaveLength(WIDGET_BEACON_LIMITS.beaconsPerPage)
  })
})
