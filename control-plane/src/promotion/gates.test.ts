import { describe, expect, it } from 'vitest'
import { evaluateGates, type GateThresholds } from './gates.ts'

const T: GateThresholds = {
  giniMargin: 0.005,
  rmseTolerance: 0.02,
  baselineMargin: 0,
  sumRatioMin: 0.8,
  sumRatioMax: 1.25,
  supportedSpecs: ['v2'],
}
const good = {
  'metric.gini': '0.86',
  'metric.rmse': '900',
  'metric.sum_ratio': '1.01',
  'baseline.last_90d.gini': '0.72',
  'fcv.feature_spec.version': 'v2',
  'champion.edge.version': '3',
  'champion.edge.gini': '0.85',
  'champion.edge.rmse': '910',
}
const NOW = Date.parse('2026-07-01T12:00:00Z')
const byGate = (
  tags: Record<string, string>,
  champion: string | null,
  channel: 'edge' | 'widget' = 'edge',
  now = NOW
) => Object.fromEntries(evaluateGates(tags, channel, champion, T, now).map((g) => [g.gate, g]))

describe('evaluateGates', () => {
  it('passes a candidate that beats the champion on the same evaluation', () => {
    const g = byGate(good, '3')
    expect(Object.values(g).every((x) => x.passed)).toBe(true)
    expect(g['gini_vs_champion']).toMatchObject({ value: 0.01, threshold: '>= 0.005' })
    expect(g['rmse_vs_champion']!.value).toBeCloseTo(900 / 910 - 1, 6)
    expect(g['beats_last_90d']).toMatchObject({ value: 0.14 })
  })

  it('fails each gate on its own, with the value and the threshold', () => {
    expect(byGate({ ...good, 'metric.gini': '0.852' }, '3')['gini_vs_champion']).toMatchObject({
      passed: false,
      value: 0.002,
    })
    expect(byGate({ ...good, 'metric.rmse': '930' }, '3')['rmse_vs_champion']!.passed).toBe(false)
    expect(
      byGate({ ...good, 'baseline.last_90d.gini': '0.9' }, '3')['beats_last_90d']!.passed
    ).toBe(false)
    expect(byGate({ ...good, 'metric.sum_ratio': '1.4' }, '3')['sum_ratio_band']).toMatchObject({
      passed: false,
      value: 1.4,
      threshold: 'in [0.8, 1.25]',
    })
    expect(
      byGate({ ...good, 'fcv.feature_spec.version': 'v3' }, '3')['feature_spec_supported']
    ).toMatchObject({ passed: false, value: 'v3' })
  })

  it('refuses to compare with a champion the candidate was not evaluated against', () => {
    const g = byGate(good, '4')
    expect(g['gini_vs_champion']!.passed).toBe(false)
    expect(g['gini_vs_champion']!.detail).toContain(
      'evaluated against version 3 as the edge champion, but the edge champion is version 4'
    )
    const none: Record<string, string> = { ...good }
    delete none['champion.edge.version']
    expect(byGate(none, '3')['rmse_vs_champion']!.detail).toContain(
      'was not evaluated against the edge champion'
    )
    const unscored: Record<string, string> = { ...good }
    delete unscored['champion.edge.gini']
    expect(byGate(unscored, '3')['gini_vs_champion']!.detail).toContain('could not be scored')
  })

  it('holds each channel against its own champion, scored by the same evaluation', () => {
    // v6 was evaluated against v4 (edge champion) and v5 (widget champion) on one test set.
    const v6 = {
      ...good,
      'champion.edge.version': '4',
      'champion.edge.gini': '0.84',
      'champion.edge.rmse': '950',
      'champion.widget.version': '5',
      'champion.widget.gini': '0.855',
      'champion.widget.rmse': '905',
    }
    const edge = byGate(v6, '4', 'edge')
    const widget = byGate(v6, '5', 'widget')
    expect(Object.values(edge).every((x) => x.passed)).toBe(true)
    expect(Object.values(widget).every((x) => x.passed)).toBe(true)
    expect(edge['gini_vs_champion']).toMatchObject({ value: 0.02 })
    expect(widget['gini_vs_champion']).toMatchObject({ value: 0.005 })
    expect(widget['rmse_vs_champion']!.detail).toContain('the widget champion 905')
    // The other channel's champion is not this channel's: the swap fails both.
    expect(byGate(v6, '5', 'edge')['gini_vs_champion']!.passed).toBe(false)
    expect(byGate(v6, '4', 'widget')['gini_vs_champion']!.passed).toBe(false)
    // A channel the candidate met no champion on cannot be compared.
    const edgeOnly = { ...good }
    expect(byGate(edgeOnly, '5', 'widget')['gini_vs_champion']!.detail).toContain(
      'was not evaluated against the widget champion (version 5)'
    )
  })

  it('reads the model-wide champion tags of versions registered before per-channel champions', () => {
    const legacy = {
      ...good,
      'champion.version': '3',
      'champion.gini': '0.85',
      'champion.rmse': '910',
    }
    delete (legacy as Record<string, string>)['champion.edge.version']
    delete (legacy as Record<string, string>)['champion.edge.gini']
    delete (legacy as Record<string, string>)['champion.edge.rmse']
    expect(byGate(legacy, '3', 'edge')['gini_vs_champion']).toMatchObject({
      passed: true,
      value: 0.01,
    })
    expect(byGate(legacy, '3', 'widget')['gini_vs_champion']!.passed).toBe(true)
    expect(byGate(legacy, '4', 'widget')['gini_vs_champion']!.passed).toBe(false)
    // Per-channel tags win over model-wide ones.
    expect(
      byGate({ ...legacy, 'champion.edge.version': '9' }, '3', 'edge')['gini_vs_champion']!.passed
    ).toBe(false)
  })

  it('has nothing to compare with on a channel without a champion', () => {
    const g = byGate(good, null, 'widget')
    expect(g['gini_vs_champion']).toMatchObject({ passed: true, value: null })
    expect(g['gini_vs_champion']!.detail).toBe('no champion on widget yet')
  })

  it('fails, not passes, when a metric is missing', () => {
    const noRatio: Record<string, string> = { ...good }
    delete noRatio['metric.sum_ratio']
    expect(byGate(noRatio, '3')['sum_ratio_band']!.passed).toBe(false)
    const noBase: Record<string, string> = { ...good }
    delete noBase['baseline.last_90d.gini']
    expect(byGate(noBase, '3')['beats_last_90d']!.passed).toBe(false)
  })

  it('refuses a version whose calibrated window has ended, by the clock it is given', () => {
    const window = {
      'fcv.calibrated_window.from': '2026-06-12',
      'fcv.calibrated_window.to': '2026-09-10',
      'fcv.calibrated_window.level_adjusted': 'true',
    }
    expect(byGate({ ...good, ...window }, '3')['calibrated_window']).toMatchObject({
      passed: true,
      value: '[2026-06-12, 2026-09-10)',
      threshold: 'ends after 2026-07-01',
      detail:
        'calibrated for predictions as of [2026-06-12, 2026-09-10) (level adjusted); 71 day(s) left',
    })
    // The last day of the window still passes; the day after it, `to`, does not.
    expect(
      byGate({ ...good, ...window }, '3', 'edge', Date.parse('2026-09-09T23:59:59Z'))[
        'calibrated_window'
      ]!.passed
    ).toBe(true)
    const ended = byGate({ ...good, ...window }, '3', 'edge', Date.parse('2026-09-10T00:00:00Z'))
    expect(ended['calibrated_window']).toMatchObject({
      passed: false,
      threshold: 'ends after 2026-09-10',
      detail:
        'calibrated for predictions as of [2026-06-12, 2026-09-10) (level adjusted), a window that ended on 2026-09-10: retrain on recent data',
    })
    // The other gates are not touched by it.
    expect(
      Object.values(ended)
        .filter((g) => !g.passed)
        .map((g) => g.gate)
    ).toEqual(['calibrated_window'])
  })

  it('passes a version without a calibrated window (trained before one was recorded), saying so', () => {
    expect(byGate(good, '3')['calibrated_window']).toMatchObject({
      passed: true,
      value: null,
      detail:
        'no calibrated window recorded (a model trained before fcv recorded one): not checked',
    })
  })
})
