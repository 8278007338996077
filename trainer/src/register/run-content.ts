// What goes into the MLflow run and the model version: pure functions of the pipeline's outputs,
// so they are tested without a server.

import { championModelName, championRefsIn } from '../evaluate/channel-champions.ts'
import type { MetricsReport } from '../evaluate/index.ts'
import { CHANNELS, championTagPrefix, type KeyValue, type Metric } from '@fcv/core'
import type { TrainResult } from '../model/train-loop.ts'

/**
 * A model's metrics, or null when it failed to score. A metric that was NaN or infinite is null in
 * metrics.json (JSON has no such numbers); it comes back as NaN, to be reported, not lost.
 */
export function metricsOf(report: MetricsReport, model: string): Record<string, number> | null {
  const m = report.models[model]
  if (!m || 'error' in m) return null
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(m as unknown as Record<string, unknown>)) {
    if (typeof v === 'number') out[k] = v
    else if (v === null) out[k] = NaN
  }
  return out
}

/**
 * params.yaml as MLflow params: one `a.b.c` key per leaf; lists as JSON (MLflow params are
 * strings), null as "null".
 */
export function flattenParams(value: unknown, prefix = ''): KeyValue[] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
      flattenParams(v, prefix ? `${prefix}.${k}` : k)
    )
  }
  const text =
    typeof value === 'string' ? value : value === undefined ? 'null' : JSON.stringify(value) // numbers, booleans, null and arrays
  return [{ key: prefix, value: text }]
}

/**
 * Every evaluation metric of every model as `<model>/<metric>` (the MLflow UI groups charts by the
 * part before the slash), the test set's size, and the training curve as per-epoch history.
 * The primary model's metrics carry its LoggedModel id, so they show on the model's page too.
 */
export function runMetrics(
  report: MetricsReport,
  training: TrainResult,
  primary: string,
  modelId: string,
  now: number
): Metric[] {
  const out: Metric[] = [
    { key: 'test/customers', value: report.customers, timestamp: now, step: 0 },
    { key: 'test/zero_share', value: report.zero_share, timestamp: now, step: 0 },
  ]
  for (const model of Object.keys(report.models)) {
    for (const [name, value] of Object.entries(metricsOf(report, model) ?? {})) {
      out.push({
        key: `${model}/${name}`,
        value,
        timestamp: now,
        step: 0,
        ...(model === primary ? { model_id: modelId } : {}),
      })
    }
  }
  for (const e of training.epochs) {
    out.push({ key: 'train/loss', value: e.loss, timestamp: now, step: e.epoch })
    out.push({ key: 'train/val_loss', value: e.valLoss, timestamp: now, step: e.epoch })
    out.push({ key: 'train/learning_rate', value: e.learningRate, timestamp: now, step: e.epoch })
  }
  out.push({ key: 'train/best_epoch', value: training.bestEpoch, timestamp: now, step: 0 })
  out.push({ key: 'train/best_val_loss', value: training.bestValLoss, timestamp: now, step: 0 })
  return out
}

/** The model's headline metrics: the version's tags, which the control plane's gates read. */
export const KEY_METRICS = [
  'gini',
  'rmse',
  'mae',
  'sum_ratio',
  'decile_mape',
  'auc',
  'spearman',
  'top10_capture',
] as const

export function versionTags(
  report: MetricsReport,
  primary: string,
  baselines: string[],
  facts: KeyValue[]
): KeyValue[] {
  const tags: KeyValue[] = []
  const own = metricsOf(report, primary) ?? {}
  for (const k of KEY_METRICS) {
    const v = own[k]
    if (v !== undefined && Number.isFinite(v)) tags.push({ key: `metric.${k}`, value: String(v) })
  }
  for (const b of baselines) {
    const v = metricsOf(report, b)?.['gini']
    if (v !== undefined && Number.isFinite(v)) {
      tags.push({ key: `baseline.${b}.gini`, value: String(v) })
    }
  }
  return [...tags, ...championTags(report), ...facts]
}

/**
 * Each channel's champion the version was compared with on the same test rows, for that channel's
 * gates in the control plane: `champion.<channel>.version`, and its key metrics as
 * `champion.<channel>.<metric>` when it could be scored (a version tag without them means that
 * champion failed; metrics.json says why). Nothing for a channel without a champion, nor for a
 * metrics.json from before per-channel champions (its model-wide champion says nothing per channel).
 */
export function championTags(report: MetricsReport): KeyValue[] {
  const refs = championRefsIn(report)
  return CHANNELS.flatMap((channel) => {
    const ref = refs[channel]
    if (!ref) return []
    const prefix = championTagPrefix(channel)
    const tags: KeyValue[] = [{ key: `${prefix}version`, value: ref.version }]
    const m = metricsOf(report, championModelName(channel)) ?? {}
    for (const k of KEY_METRICS) {
      const v = m[k]
      if (v !== undefined && Number.isFinite(v))
        tags.push({ key: `${prefix}${k}`, value: String(v) })
    }
    return tags
  })
}

/** The run's description (mlflow.note.content, markdown): the comparison a reader wants first. */
export function noteContent(report: MetricsReport, primary: string): string {
  const cols = ['gini', 'rmse', 'mae', 'sum_ratio', 'decile_mape'] as const
  const fmt = (v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(4)).toString() : '')
  const rows = Object.entries(report.models).map(([name, m]) => {
    const values = metricsOf(report, name)
    return values === null
      ? `| ${name} | failed: ${'error' in m ? m.error.replaceAll('|', '/') : ''} |${' |'.repeat(cols.length - 1)}`
      : `| ${name === primary ? `**${name}**` : name} | ${cols.map((c) => fmt(values[c])).join(' | ')} |`
  })
  // Which version each `champion_<channel>` row is, as the rows name only the channel.
  const refs = Object.entries(championRefsIn(report))
  const champions = refs.some(([, ref]) => ref !== null)
    ? [
        'Compared with each channel’s champion: ' +
          refs.map(([c, ref]) => `${c} ${ref ? `version ${ref.version}` : 'none'}`).join(', ') +
          '.',
        '',
      ]
    : []
  return [
    `fcv: expected net spend per customer over the ${report.horizon_days} days after ` +
      `${report.test_cutoff} (${report.currency}), ${report.customers} test customers.`,
    '',
    ...champions,
    `| model | ${cols.join(' | ')} |`,
    `|---|${cols.map(() => '---').join('|')}|`,
    ...rows,
  ].join('\n')
}
