// `fcv evaluate`: the model, each channel's current champion (channel-champions.ts, champion.ts;
// when registration is on and one has been promoted) and every baseline scored on the same test
// rows (every customer with a purchase before the test cutoff, zeros included), with the same
// metrics. Writes reports/metrics.json (DVC metrics), reports/plots/*.csv (DVC plots),
// reports/report.html (the same charts, offline), reports/plots/*.svg (those charts as image files,
// e.g. for MLflow) and prints the comparison table.

import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  CHANNELS,
  evaluateRegression,
  formatMetric,
  type History,
  type MlflowClient,
  type Channel,
  type RegressionEvaluation,
} from '@fcv/core'
import { BtydFitError, btydBaseline } from '../baselines/btyd/index.ts'
import { SIMPLE_BASELINES } from '../baselines/simple.ts'
import { groupByCustomer } from '../features/customer-order.ts'
import type { FeatureTable } from '../features/read-table.ts'
import { readInterim } from '../interim/index.ts'
import { writeDirAtomically } from '../io/atomic-dir.ts'
import { csvField } from '../io/csv-field.ts'
import { textTable } from '../io/text-table.ts'
import { readFeatureSets } from '../model/feature-sets.ts'
import { MODEL_FILES, loadModel } from '../model/model-files.ts'
import type { Predictions } from '../model/predict.ts'
import type { TF } from '../model/tf.ts'
import type { TrainResult } from '../model/train-loop.ts'
import type { Params } from '../params/schema.ts'
import { trackingClient } from '../register/tracking.ts'
import { loadChampion, scoreChampion } from './champion.ts'
import {
  championRefs,
  findChampions,
  type ChampionRefs,
  type ChampionVersion,
} from './channel-champions.ts'
import { parseReportInput, renderCharts, renderReport } from './report-html.ts'
import { scoreNetwork } from './score-network.ts'

export const MODEL_NAME = 'ziln'
export const BTYD_NAME = 'bgnbd_gamma_gamma'

export interface EvaluateOptions {
  tf: TF
  log?: (line: string) => void
  /**
   * Score each channel's registered champion too (default true; they are looked up only when
   * register.enabled). Off for backtests: a champion trained on later data tells nothing there.
   */
  champion?: boolean
  /** A client to use instead of MLFLOW_TRACKING_URI or the embedded server (tests). */
  client?: MlflowClient
  env?: Record<string, string | undefined>
}

export interface ScoredModel {
  name: string
  description: string
  evaluation: RegressionEvaluation | null
  /** Why the model could not be scored (a BTYD fit that failed), else null. */
  error: string | null
  /** The predictions evaluated, one per test row (not kept for the champions). */
  yhat?: ArrayLike<number>
}

export interface MetricsReport {
  test_cutoff: string
  horizon_days: number
  currency: string
  customers: number
  zero_share: number
  /**
   * Each channel's champion version, scored as `models.champion_<channel>`; null for a channel
   * that had none to score (every channel is a key).
   */
  champions: ChampionRefs
  models: Record<string, RegressionEvaluation['metrics'] | { error: string }>
}

/** The test customers' histories before the test cutoff, from the interim transactions. */
async function testHistories(params: Params, test: FeatureTable): Promise<History[]> {
  const wanted = new Set(test.customerIds)
  const cols = await readInterim(join(params.ingest.out_dir, 'transactions.arrow'), {
    keep: (id) => wanted.has(id),
  })
  const groups = groupByCustomer(cols)
  const index = new Map(groups.customerIds.map((id, c) => [id, c]))
  return test.customerIds.map((id) => {
    const c = index.get(id)
    if (c === undefined)
      throw new Error(`evaluate: customer ${id} of the test set has no transactions`)
    return {
      ...groups.history,
      start: groups.offsets[c] as number,
      end: groups.offsets[c + 1] as number,
    }
  })
}

function btydPredictions(
  histories: History[],
  t0: number,
  horizonDays: number,
  scale: number
): Float64Array {
  const minor = btydBaseline(histories, t0, horizonDays)
  return Float64Array.from(minor, (v) => (v === undefined ? 0 : v / scale))
}

/**
 * The channels' champions to compare with: of the registered model register.model_name, through
 * the server register uses (MLFLOW_TRACKING_URI, else the embedded one). None when registration is
 * off.
 */
async function championsFor(
  params: Params,
  options: EvaluateOptions,
  log: (line: string) => void
): Promise<{ client: MlflowClient; found: ChampionVersion[] } | null> {
  if (options.champion === false) return null
  if (!params.register.enabled) {
    log('evaluate: no champions to compare with: registration is off (register.enabled: false)')
    return null
  }
  const client =
    options.client ?? (await trackingClient(params, options.env ?? process.env, log, 'evaluate'))
  return { client, found: await findChampions(client, params.register.model_name, log) }
}

function csv(header: string[], rows: (string | number)[][]): string {
  return [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n'
}

function num(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 1e6) / 1e6) : ''
}

export async function runEvaluate(params: Params, options: EvaluateOptions) {
  const { tf } = options
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'))
  const f = params.features
  const sets = await readFeatureSets(f.out_dir)
  const spec = sets.report.feature_spec
  const test = sets.test
  const testCutoff = sets.report.cutoffs.find((c) => c.split === 'test')
  if (!testCutoff || test.rows === 0)
    throw new Error(`${f.out_dir}/test.arrow has no rows to evaluate`)
  const t0 = test.cutoffs[0] as number
  const { model, metadata } = await loadModel(tf, params.train.out_dir)
  if (metadata.featureSpec.version !== spec.version) {
    throw new Error(
      `${params.train.out_dir} was trained on feature spec ${metadata.featureSpec.version}, ` +
        `the features are ${spec.version}: train again`
    )
  }
  const y = test.label
  const scored: ScoredModel[] = []
  const candidate = scoreNetwork(tf, model, metadata, test)
  const predictions = candidate.predictions
  model.dispose()
  scored.push({
    name: MODEL_NAME,
    description: 'ZILN network',
    evaluation: candidate.evaluation,
    error: null,
    yhat: predictions.expected,
  })
  const histories = await testHistories(params, test)
  const champions = await championsFor(params, options, log)
  const byChannel: Partial<Record<Channel, ScoredModel>> = {}
  // One version at a time, disposed once scored; a version serving several channels is loaded once.
  if (champions) {
    for (const found of champions.found) {
      const champion = await loadChampion(tf, champions.client, found)
      const rows = scoreChampion(tf, champion, { histories, t0, table: test, spec }, log)
      Object.assign(byChannel, rows)
    }
  }
  scored.push(...CHANNELS.flatMap((c) => byChannel[c] ?? []))
  for (const b of SIMPLE_BASELINES) {
    const yhat = b.predict(test, f.horizon_days)
    scored.push({
      name: b.name,
      description: b.description,
      evaluation: evaluateRegression({ y, yhat }),
      error: null,
      yhat,
    })
  }
  try {
    const scale = 10 ** params.data.currency_exponent
    const yhat = btydPredictions(histories, t0, f.horizon_days, scale)
    scored.push({
      name: BTYD_NAME,
      description: 'BG/NBD x Gamma-Gamma (fitted on the pre-cutoff history)',
      evaluation: evaluateRegression({ y, yhat }),
      error: null,
      yhat,
    })
  } catch (e) {
    // The probabilistic baseline cannot always be fitted (too few repeat buyers, no convergence, a
    // hypergeometric term out of reach); say so and go on. Anything else is a real error.
    if (!(e instanceof BtydFitError || e instanceof RangeError)) throw e
    const error = e.message
    log(`evaluate: ${BTYD_NAME} could not be fitted: ${error}`)
    scored.push({ name: BTYD_NAME, description: 'BG/NBD x Gamma-Gamma', evaluation: null, error })
  }

  const first = scored[0]!.evaluation!.metrics
  const report: MetricsReport = {
    test_cutoff: testCutoff.t0,
    horizon_days: f.horizon_days,
    currency: params.data.currency,
    customers: first.customers,
    zero_share: first.zero_share,
    champions: championRefs(champions?.found ?? []),
    models: Object.fromEntries(
      scored.map((s) => [s.name, s.evaluation ? s.evaluation.metrics : { error: s.error ?? '' }])
    ),
  }
  const training = JSON.parse(
    await readFile(join(params.train.out_dir, MODEL_FILES.training), 'utf8')
  ) as TrainResult
  await writeReports(
    params.evaluate.out_dir,
    report,
    scored,
    training,
    predictionsCsv(test, predictions)
  )
  log(comparisonTable(scored))
  return { report, scored, actual: y }
}

/** The model's prediction for every test customer beside what they then spent. */
function predictionsCsv(test: FeatureTable, p: Predictions): string {
  const day = new Date(test.cutoffs[0] as number).toISOString().slice(0, 10)
  return csv(
    ['customer_id', 'cutoff', 'expected', 'p_buy', 'p10', 'p50', 'p90', 'actual'],
    test.customerIds.map((id, i) => [
      csvField(id),
      day,
      num(p.expected[i] as number),
      num(p.pBuy[i] as number),
      num(p.p10[i] as number),
      num(p.p50[i] as number),
      num(p.p90[i] as number),
      num(test.label[i] as number),
    ])
  )
}

async function writeReports(
  dir: string,
  report: MetricsReport,
  scored: ScoredModel[],
  training: TrainResult,
  predictions: string
): Promise<void> {
  const ok = scored.filter((s) => s.evaluation !== null)
  const gains = ok[0]!.evaluation!.gains
  const files = {
    metricsJson: JSON.stringify(report, null, 2) + '\n',
    gainsCsv: csv(
      ['customer_share', 'lorenz', ...ok.map((s) => s.name)],
      gains.map((g, i) => [
        num(g.customer_share),
        num(g.lorenz),
        ...ok.map((s) => num(s.evaluation!.gains[i]!.gain)),
      ])
    ),
    // Wide: each model's deciles are its own (by its own ranking), so actual means differ by model.
    decilesCsv: csv(
      ['decile', ...ok.flatMap((s) => [`${s.name}_actual`, `${s.name}_predicted`])],
      ok[0]!.evaluation!.deciles.map((d, k) => [
        d.decile,
        ...ok.flatMap((s) => {
          const row = s.evaluation!.deciles[k]!
          return [num(row.mean_y), num(row.mean_yhat)]
        }),
      ])
    ),
    trainingCsv: csv(
      ['epoch', 'loss', 'val_loss', 'learning_rate'],
      training.epochs.map((e) => [e.epoch, num(e.loss), num(e.valLoss), e.learningRate])
    ),
  }
  // The human report draws the same data the DVC plots do; its charts are also files of their own.
  const input = parseReportInput(files)
  const charts = renderCharts(input)
  const html = renderReport(input, charts)
  await mkdir(join(dir, '..'), { recursive: true })
  await writeDirAtomically(dir, async (tmp) => {
    await writeFile(join(tmp, 'metrics.json'), files.metricsJson)
    await writeFile(join(tmp, 'report.html'), html)
    await writeFile(join(tmp, 'predictions.csv'), predictions)
    const plots = join(tmp, 'plots')
    await mkdir(plots)
    await writeFile(join(plots, 'gains.csv'), files.gainsCsv)
    await writeFile(join(plots, 'deciles.csv'), files.decilesCsv)
    await writeFile(join(plots, 'training.csv'), files.trainingCsv)
    for (const [name, svg] of Object.entries(charts))
      await writeFile(join(plots, `${name}.svg`), svg)
  })
}

const COLUMNS = [
  ['gini', 'gini'],
  ['rmse', 'RMSE'],
  ['mae', 'MAE'],
  ['r2', 'R2'],
  ['spearman', 'spearman'],
  ['top10_capture', 'top10%'],
  ['auc', 'AUC'],
  ['decile_mape', 'dec.MAPE'],
  ['sum_ratio', 'sum ratio'],
  ['r2_log1p_buyers', 'R2 log (buyers)'],
] as const

/** The models as rows, the metrics as columns. */
export function comparisonTable(scored: ScoredModel[]): string {
  return textTable(
    ['model', ...COLUMNS.map(([, label]) => label)],
    scored.map((s) => [
      s.name,
      ...COLUMNS.map(([key]) =>
        s.evaluation ? formatMetric(s.evaluation.metrics[key]) : 'failed'
      ),
    ]),
    'l' + 'r'.repeat(COLUMNS.length)
  )
}
