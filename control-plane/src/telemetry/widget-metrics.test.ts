import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { readExposition, report, widgetSection, widgetSeries } from '../test-support/telemetry.ts'
import { EdgeTelemetry, type EdgeTelemetryOptions } from './receiver.ts'

function receiver(o: EdgeTelemetryOptions = {}) {
  const registry = new Registry()
  const edge = new EdgeTelemetry(registry, o)
  const read = async () => {
    const text = await registry.metrics()
    return { widget: readExposition(text, 'fcv_widget_', false), edge: readExposition(text) }
  }
  return { edge, read }
}

describe('EdgeTelemetry: the widget section', () => {
  it('starts the beacon counts at zero, and a report without the section adds no series', async () => {
    const { edge, read } = receiver()
    edge.ingest(report('a', 0, { requests: [{ outcome: 'ok', n: 1 }] }))
    const { widget } = await read()
    for (const outcome of ['accepted', 'bad_request', 'too_large', 'rate_limited']) {
      expect(widget.samples.get(`fcv_widget_beacons_total{outcome="${outcome}"}`)).toBe(0)
    }
    expect([...widget.samples.keys()].filter((k) => !k.startsWith('fcv_widget_beacons'))).toEqual(
      []
    )
  })

  it('sums the series of two reports into fcv_widget_* (seconds, no _sum; null version as __none__)', async () => {
    const { edge, read } = receiver()
    edge.ingest(
      report('a', 0, {
        widget: widgetSection({ accepted: 3, rate_limited: 2 }, [
          widgetSeries('7', 'champion', 'ok', [0.5, 30], [0, 120]),
          widgetSeries(null, 'champion', 'no_model', [], [], 4),
        ]),
      })
    )
    edge.ingest(
      report('b', 0, {
        widget: widgetSection({ accepted: 1, bad_request: 1 }, [
          widgetSeries('7', 'champion', 'ok', [2000], [7000]),
          widgetSeries('8', 'canary', 'error', [4], [], 2),
        ]),
      })
    )
    const { widget } = await read()
    expect(widget.types.get('fcv_widget_score_duration_seconds')).toBe('histogram')
    expect(widget.types.get('fcv_widget_predicted_value')).toBe('histogram')
    expect(widget.types.get('fcv_widget_scores_total')).toBe('counter')
    const ok = 'model_version="7",variant="champion",outcome="ok"'
    for (const line of [
      'fcv_widget_beacons_total{outcome="accepted"} 4',
      'fcv_widget_beacons_total{outcome="bad_request"} 1',
      'fcv_widget_beacons_total{outcome="rate_limited"} 2',
      'fcv_widget_beacons_total{outcome="too_large"} 0',
      `fcv_widget_scores_total{${ok}} 3`,
      'fcv_widget_scores_total{model_version="__none__",variant="champion",outcome="no_model"} 4',
      'fcv_widget_scores_total{model_version="8",variant="canary",outcome="error"} 2',
      `fcv_widget_score_duration_seconds_bucket{${ok},le="0.001"} 1`,
      `fcv_widget_score_duration_seconds_bucket{${ok},le="0.05"} 2`,
      `fcv_widget_score_duration_seconds_bucket{${ok},le="1"} 2`,
      `fcv_widget_score_duration_seconds_bucket{${ok},le="+Inf"} 3`,
      `fcv_widget_score_duration_seconds_count{${ok}} 3`,
      'fcv_widget_score_duration_seconds_count{model_version="8",variant="canary",outcome="error"} 1',
      'fcv_widget_predicted_value_bucket{model_version="7",variant="champion",le="0"} 1',
      'fcv_widget_predicted_value_bucket{model_version="7",variant="champion",le="250"} 2',
      'fcv_widget_predicted_value_bucket{model_version="7",variant="champion",le="5000"} 2',
      'fcv_widget_predicted_value_bucket{model_version="7",variant="champion",le="+Inf"} 3',
    ]) {
      expect(widget.lines).toContain(line)
    }
    // Calls without a latency or a value make no histogram series.
    expect(widget.lines.some((l) => l.includes('__none__') && l.includes('_bucket'))).toBe(false)
    expect(
      widget.lines.some((l) => l.includes('fcv_widget_predicted_value_bucket{model_version="8"'))
    ).toBe(false)
  })

  it('caps label sets per family, counting the drops with the edge ones', async () => {
    const { edge, read } = receiver({ maxSeries: 2 })
    edge.ingest(
      report('a', 0, {
        widget: widgetSection(
          { accepted: 1 },
          ['1', '2', '3'].map((v) => widgetSeries(v, 'champion', 'ok', [1], [1]))
        ),
      })
    )
    const { widget, edge: edgeMetrics } = await read()
    expect(
      widget.samples.has(
        'fcv_widget_scores_total{model_version="3",variant="champion",outcome="ok"}'
      )
    ).toBe(false)
    expect(
      widget.samples.get(
        'fcv_widget_scores_total{model_version="2",variant="champion",outcome="ok"}'
      )
    ).toBe(1)
    // One over the cap in each of scores, duration and predicted value.
    expect(edgeMetrics.samples.get('fcv_edge_telemetry_dropped_total{kind="labels"}')).toBe(3)
  })

  it('restarts a series whose bounds changed incompatibly, and counts it', async () => {
    const { edge, read } = receiver()
    const section = widgetSection({ accepted: 1 }, [widgetSeries('7', 'champion', 'ok', [3], [3])])
    edge.ingest(report('a', 0, { widget: section }))
    const coarser = structuredClone(section)
    coarser.bounds.latencyMs = [4, 8]
    coarser.series[0]!.latencyMs = [0, 1, 0]
    edge.ingest(report('a', 1, { widget: coarser }))
    const { widget, edge: edgeMetrics } = await read()
    const ok = 'model_version="7",variant="champion",outcome="ok"'
    expect(
      widget.lines.filter((l) => l.startsWith(`fcv_widget_score_duration_seconds_bucket{${ok}`))
    ).toEqual([
      `fcv_widget_score_duration_seconds_bucket{${ok},le="0.004"} 0`,
      `fcv_widget_score_duration_seconds_bucket{${ok},le="0.008"} 1`,
      `fcv_widget_score_duration_seconds_bucket{${ok},le="+Inf"} 1`,
    ])
    expect(
      edgeMetrics.samples.get('fcv_edge_telemetry_rejected_total{reason="bounds_changed"}')
    ).toBe(1)
  })
})
