// `fcv backtest`: the whole protocol (features, train, evaluate) at each of several test cutoffs, every
// one with its own training cutoffs before it, then each metric's mean and spread over the cutoffs
// per model. One good cutoff proves little; a model should win at every one.

import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { formatMetric, type RegressionMetrics } from '@fcv/core'
import { runFeatures } from '../features/index.ts'
import { runTrain } from '../model/index.ts'
import type { TF } from '../model/tf.ts'
import { textTable } from '../io/text-table.ts'
import type { Params } from '../params/schema.ts'
import { runEvaluate, type MetricsReport } from './index.ts'

export interface BacktestOptions {
  tf: TF
  backend: string
  log?: (line: string) => void
}

export interface Spread {
  mean: number | null
  /** Sample standard deviation over the cutoffs (null with fewer than two values). */
  sd: number | null
  min: number | null
  max: number | null
  values: (number | null)[]
}

export interface BacktestReport {
  test_cutoffs: string[]
  /** model -> metric -> spread over the cutoffs. */
  models: Record<string, Record<string, Spread>>
  runs: MetricsReport[]
}

const METRICS: readonly (keyof RegressionMetrics)[] = [
  'gini',
  'rmse',
  'mae',
  'r2',
  'spearman',
  'top10_capture',
  'auc',
  'decile_mape',
  'sum_ratio',
  'r2_log1p_buyers',
  'rmse_log1p_buyers',
]

export function spreadOf(values: (number | null)[]): Spread {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v))
  if (xs.length === 0) return { mean: null, sd: null, min: null, max: null, values }
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const sd =
    xs.length < 2 ? null : Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1))
  return { mean, sd, min: Math.min(...xs), max: Math.max(...xs), values }
}

/** One cutoff's run writes under <backtest.out_dir>/<cutoff>/, apart from the pipeline's outputs. */
function paramsAt(params: Params, cutoff: string): Params {
  const dir = join(params.backtest.out_dir, cutoff)
  return {
    ...params,
    features: { ...params.features, test_cutoff: cutoff, out_dir: join(dir, 'processed') },
    train: { ...params.train, out_dir: join(dir, 'model') },
    evaluate: { ...params.evaluate, out_dir: join(dir, 'reports') },
  }
}

export async function runBacktest(
  params: Params,
  options: BacktestOptions
): Promise<BacktestReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'))
  const cutoffs = params.backtest.test_cutoffs
  const runs: MetricsReport[] = []
  for (const cutoff of cutoffs) {
    log(`backtest: test cutoff ${cutoff}`)
    const p = paramsAt(params, cutoff)
    await runFeatures(p, { log: () => {} })
    await runTrain(p, { tf: options.tf, backend: options.backend, log: () => {} })
    // No champion here: one trained on later data says nothing about an earlier cutoff.
    const { report } = await runEvaluate(p, { tf: options.tf, log, champion: false })
    runs.push(report)
  }
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.models)))]
  const models: BacktestReport['models'] = {}
  for (const name of names) {
    models[name] = Object.fromEntries(
      METRICS.map((metric) => [
        metric,
        spreadOf(
          runs.map((r) => {
            const m = r.models[name]
            return m === undefined || 'error' in m ? null : (m[metric] as number | null)
          })
        ),
      ])
    )
  }
  const report: BacktestReport = { test_cutoffs: [...cutoffs], models, runs }
  const dir = params.backtest.out_dir
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'backtest.json'), JSON.stringify(report, null, 2) + '\n')
  log(backtestTable(report))
  return report
}

const SHOWN: readonly (keyof RegressionMetrics)[] = [
  'gini',
  'rmse',
  'spearman',
  'top10_capture',
  'auc',
  'decile_mape',
  'sum_ratio',
]

/** Mean ± sd over the cutoffs, a row per model. */
export function backtestTable(report: BacktestReport): string {
  const rows = Object.entries(report.models).map(([name, metrics]) => [
    name,
    ...SHOWN.map((m) => {
      const s = metrics[m]
      if (!s || s.mean === null) return 'n/a'
      return `${formatMetric(s.mean)} ± ${formatMetric(s.sd ?? 0)}`
    }),
  ])
  return (
    `backtest over ${report.test_cutoffs.join(', ')} (mean ± sd):\n` +
    textTable(['model', ...SHOWN], rows, 'l' + 'r'.repeat(SHOWN.length))
  )
}
