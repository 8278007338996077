import { describe, expect, it } from 'vitest'
import type { MetricsReport } from '../evaluate/index.ts'
import {
  championTags,
  flattenParams,
  metricsOf,
  noteContent,
  runMetrics,
  versionTags,
} from './run-content.ts'

const report = {
  test_cutoff: '2011-06-12',
  horizon_days: 90,
  currency: 'GBP',
  customers: 10,
  zero_share: 0.5,
  models: {
    ziln: { gini: 0.8, rmse: 100, sum_ratio: 1.01, spearman: null },
    last_90d: { gini: 0.6, rmse: 150 },
    broken: { error: 'did not converge | at all' },
  },
} as unknown as MetricsReport

describe('run content', () => {
  it('flattens params to one dotted key per leaf, lists as JSON', () => {
    expect(flattenParams({ a: { b: 1, c: [1, 'x'], d: null }, e: 'text', f: false })).toEqual([
      { key: 'a.b', value: '1' },
      { key: 'a.c', value: '[1,"x"]' },
      { key: 'a.d', value: 'null' },
      { key: 'e', value: 'text' },
      { key: 'f', value: 'false' },
    ])
  })

  it('reads null metrics as NaN so they are reported, and skips failed models', () => {
    expect(metricsOf(report, 'ziln')).toEqual({
      gini: 0.8,
      rmse: 100,
      sum_ratio: 1.01,
      spearman: NaN,
    })
    expect(metricsOf(report, 'broken')).toBeNull()
    const m = runMetrics(
      report,
      {
        epochs: [{ epoch: 1, loss: 2, valLoss: 3, learningRate: 0.1, seconds: 1 }],
        bestEpoch: 1,
        bestValLoss: 3,
        stoppedEarly: false,
      },
      'ziln',
      'm-1',
      5
    )
    expect(m.filter((x) => x.key.startsWith('ziln/')).every((x) => x.model_id === 'm-1')).toBe(true)
    expect(m.find((x) => x.key === 'last_90d/gini')).toEqual({
      key: 'last_90d/gini',
      value: 0.6,
      timestamp: 5,
      step: 0,
    })
    expect(m.find((x) => x.key === 'train/val_loss')).toMatchObject({ value: 3, step: 1 })
    expect(m.some((x) => x.key.startsWith('broken/'))).toBe(false)
  })

  it('tags a version with the finite key metrics and the baselines’ gini', () => {
    expect(versionTags(report, 'ziln', ['last_90d', 'broken'], [{ key: 'k', value: 'v' }])).toEqual(
      [
        { key: 'metric.gini', value: '0.8' },
        { key: 'metric.rmse', value: '100' },
        { key: 'metric.sum_ratio', value: '1.01' },
        { key: 'baseline.last_90d.gini', value: '0.6' },
        { key: 'k', value: 'v' },
      ]
    )
  })

  it('tags each channel’s champion and its finite key metrics, the failed one without metrics', () => {
    expect(championTags(report)).toEqual([])
    const refs = {
      edge: { model_name: 'fcv', version: '3', run_id: 'r3' },
      widget: { model_name: 'fcv', version: '5', run_id: 'r5' },
    }
    const scored = {
      ...report,
      champions: refs,
      models: {
        ...report.models,
        champion_edge: { gini: 0.7, rmse: 120, auc: null },
        champion_widget: { gini: 0.65, mae: 40, sum_ratio: Infinity },
      },
    } as unknown as MetricsReport
    expect(championTags(scored)).toEqual([
      { key: 'champion.edge.version', value: '3' },
      { key: 'champion.edge.gini', value: '0.7' },
      { key: 'champion.edge.rmse', value: '120' },
      { key: 'champion.widget.version', value: '5' },
      { key: 'champion.widget.gini', value: '0.65' },
      { key: 'champion.widget.mae', value: '40' },
    ])
    const tags = versionTags(scored, 'ziln', [], [])
    expect(tags).toEqual(expect.arrayContaining([{ key: 'champion.widget.gini', value: '0.65' }]))
    // No model-wide champion tags any more: a gate reading them would mix channels.
    expect(tags.filter((t) => /^champion\.[a-z_0-9]+$/.test(t.key))).toEqual([])

    const failed = {
      ...scored,
      champions: { edge: refs.edge, widget: null },
      models: { ...report.models, champion_edge: { error: 'feature spec v1' } },
    } as unknown as MetricsReport
    expect(championTags(failed)).toEqual([{ key: 'champion.edge.version', value: '3' }])
  })

  it('reads a metrics.json from before per-channel champions as having none', () => {
    const old = {
      ...report,
      champion: { model_name: 'fcv', version: '3', run_id: 'r3' },
      models: { ...report.models, champion: { gini: 0.7, rmse: 120 } },
    } as unknown as MetricsReport
    expect(championTags(old)).toEqual([])
    expect(versionTags(old, 'ziln', [], []).some((t) => t.key.startsWith('champion'))).toBe(false)
    expect(noteContent(old, 'ziln')).not.toContain('Compared with')
  })

  it('describes the run as a markdown table, the primary model in bold', () => {
    const note = noteContent(report, 'ziln')
    expect(note).toContain('| **ziln** | 0.8 | 100 |  |')
    expect(note).toContain('| broken | failed: did not converge / at all |')
    expect(note).not.toContain('champion')
    const withChampion = {
      ...report,
      champions: { edge: { model_name: 'fcv', version: '3', run_id: 'r3' }, widget: null },
      models: { ...report.models, champion_edge: { gini: 0.7, rmse: 120 } },
    } as unknown as MetricsReport
    const compared = noteContent(withChampion, 'ziln')
    expect(compared).toContain(
      'Compared with each channel’s champion: edge version 3, widget none.'
    )
    expect(compared).toContain('| champion_edge | 0.7 | 120 |')
  })
})
