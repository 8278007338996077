// `fcv backtest`: the judge of the defaults. For each store of backtest.stores (a log: a file, or a
// synthetic one fcv generate writes first) and each of its test cutoffs, the whole protocol
// (ingest once per store, then features, train and evaluate with that cutoff's own training
// cutoffs before it), every model and baseline on the same test rows. A case is one store at one
// cutoff; each is held to the quality bar (backtest-bar.ts), and summary.md / summary.json put them
// side by side. One good cutoff of one store proves little: defaults are chosen on all of them.

import { existsSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runFeatures } from '../features/index.ts'
import { runGenerate } from '../generate/index.ts'
import { runIngest } from '../ingest/index.ts'
import { writeFileAtomically } from '../io/atomic-file.ts'
import { runTrain } from '../model/index.ts'
import type { TF } from '../model/tf.ts'
import { DataParamsSchema, storeData, type BacktestStore, type Params } from '../params/schema.ts'
import { qualityBar, type QualityBar } from './backtest-bar.ts'
import { barUnderResampling, type BarConfidence } from './backtest-resample.ts'
import { backtestCharts, backtestSummaryMarkdown, summaryLine } from './backtest-summary.ts'
import { runEvaluate, type MetricsReport } from './index.ts'
import { METRICS, spreadOf, type Spread } from './spread.ts'

export { spreadOf, type Spread } from './spread.ts'

export interface BacktestOptions {
  tf: TF
  backend: string
  /** Only these stores (by name); default every store of backtest.stores. */
  stores?: readonly string[]
  log?: (line: string) => void
}

export interface StoreOutcome {
  name: string
  description: string
  /** The log the store's cases read (the generated file for a synthetic store). */
  log: string
  /** fcv generate's options, for a synthetic store. */
  generate: BacktestStore['generate'] | null
  /** Why the store was not run (an optional store whose log is absent), else null. */
  skipped: string | null
}

export interface BacktestCase {
  store: string
  test_cutoff: string
  /** The evaluation: every model's metrics on the case's test rows. */
  report: MetricsReport
  /** How the model was calibrated (train's metadata.levelAdjustment), for the record. */
  calibration: unknown
  bar: QualityBar
  /** The bar again on resamples of the case's customers (backtest-resample.ts). */
  confidence: BarConfidence
}

export interface BacktestReport {
  stores: StoreOutcome[]
  cases: BacktestCase[]
  /** model -> metric -> spread over the cases. */
  models: Record<string, Record<string, Spread>>
  /** How many cases meet each part of the bar. */
  bar: { cases: number; gini: number; rmse: number; sum_ratio: number; all: number }
}

/** The params of one store's runs: its data section, its interim table, its output tree. */
export function storeParams(params: Params, store: BacktestStore): Params {
  const dir = join(params.backtest.out_dir, store.name)
  const data = DataParamsSchema.parse(
    storeData(params.data, {
      ...store.data,
      ...(store.generate ? { path: join(dir, 'log.csv.gz') } : {}),
    })
  )
  return { ...params, data, ingest: { ...params.ingest, out_dir: join(dir, 'interim') } }
}

/** The params of one case: the store's, with the test cutoff and outputs under <store>/<cutoff>/. */
function caseParams(store: Params, storeDir: string, cutoff: string): Params {
  const dir = join(storeDir, cutoff)
  return {
    ...store,
    features: { ...store.features, test_cutoff: cutoff, out_dir: join(dir, 'processed') },
    train: { ...store.train, out_dir: join(dir, 'model') },
    evaluate: { ...store.evaluate, out_dir: join(dir, 'reports') },
  }
}

/** Writes a synthetic store's log unless the same options wrote it before. */
async function generateLog(
  generate: NonNullable<BacktestStore['generate']>,
  out: string,
  log: (line: string) => void
): Promise<void> {
  const stamp = `${out}.options.json`
  const wanted = JSON.stringify(generate)
  if (existsSync(out) && existsSync(stamp) && (await readFile(stamp, 'utf8')) === wanted) return
  await runGenerate({
    out,
    customers: generate.customers,
    years: generate.years,
    seed: generate.seed,
    start: generate.start,
    regime: generate.regime,
    orderIds: generate.order_ids,
    log,
  })
  await writeFileAtomically(stamp, wanted)
}

export async function runBacktest(
  params: Params,
  options: BacktestOptions
): Promise<BacktestReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'))
  const quiet = () => {}
  const known = params.backtest.stores.map((s) => s.name)
  const unknown = (options.stores ?? []).filter((s) => !known.includes(s))
  if (unknown.length > 0) {
    throw new Error(
      `backtest: no store named ${unknown.join(', ')} in backtest.stores (${known.join(', ')})`
    )
  }
  const chosen = params.backtest.stores.filter(
    (s) => options.stores === undefined || options.stores.includes(s.name)
  )
  const total = chosen.reduce((n, s) => n + s.test_cutoffs.length, 0)
  const stores: StoreOutcome[] = []
  const cases: BacktestCase[] = []
  let done = 0
  for (const store of chosen) {
    const storeDir = join(params.backtest.out_dir, store.name)
    const sp = storeParams(params, store)
    const outcome: StoreOutcome = {
      name: store.name,
      description: store.description,
      log: sp.data.path,
      generate: store.generate ?? null,
      skipped: null,
    }
    stores.push(outcome)
    if (store.generate) {
      await mkdir(storeDir, { recursive: true })
      log(`backtest: ${store.name}: generating a ${store.generate.regime} store`)
      await generateLog(store.generate, sp.data.path, quiet)
    } else if (!existsSync(sp.data.path)) {
      if (!store.optional) {
        throw new Error(`backtest: store ${store.name}: the log ${sp.data.path} does not exist`)
      }
      outcome.skipped = `the log ${sp.data.path} is not on this machine`
      log(`backtest: ${store.name}: skipped (${outcome.skipped})`)
      done += store.test_cutoffs.length
      continue
    }
    log(`backtest: ${store.name}: ingest ${sp.data.path}`)
    await runIngest(sp, { log: quiet })
    for (const cutoff of store.test_cutoffs) {
      done++
      log(`backtest: [${done}/${total}] ${store.name} at ${cutoff}: features, train, evaluate`)
      const p = caseParams(sp, storeDir, cutoff)
      await runFeatures(p, { log: quiet })
      await runTrain(p, { tf: options.tf, backend: options.backend, log: quiet })
      // No champion here: one trained on later data says nothing about an earlier cutoff.
      const { report, scored, actual } = await runEvaluate(p, {
        tf: options.tf,
        log: quiet,
        champion: false,
      })
      const metadata = JSON.parse(await readFile(join(p.train.out_dir, 'model.json'), 'utf8')) as {
        userDefinedMetadata?: { fcv?: { levelAdjustment?: unknown } }
      }
      const c: BacktestCase = {
        store: store.name,
        test_cutoff: cutoff,
        report,
        calibration: metadata.userDefinedMetadata?.fcv?.levelAdjustment ?? null,
        bar: qualityBar(report),
        confidence: barUnderResampling(
          actual,
          scored.flatMap((m) => (m.yhat ? [{ name: m.name, yhat: m.yhat }] : []))
        ),
      }
      cases.push(c)
      log(`backtest: ${summaryLine(c)}`)
    }
  }
  const report = summarize(stores, cases)
  const dir = params.backtest.out_dir
  await mkdir(dir, { recursive: true })
  await writeFileAtomically(join(dir, 'summary.json'), JSON.stringify(report, null, 2) + '\n')
  await writeFileAtomically(join(dir, 'summary.md'), backtestSummaryMarkdown(report))
  for (const chart of backtestCharts(report)) {
    await writeFileAtomically(join(dir, chart.file), chart.svg)
  }
  log(
    `backtest: ${report.bar.all} of ${report.bar.cases} cases meet the bar ` +
      `(Gini ${report.bar.gini}, RMSE ${report.bar.rmse}, sum ratio ${report.bar.sum_ratio}); ` +
      `wrote ${join(dir, 'summary.md')}, summary.json and summary-{rmse,sum}.svg`
  )
  return report
}

export function summarize(stores: StoreOutcome[], cases: BacktestCase[]): BacktestReport {
  const names = [...new Set(cases.flatMap((c) => Object.keys(c.report.models)))]
  const models: BacktestReport['models'] = {}
  for (const name of names) {
    models[name] = Object.fromEntries(
      METRICS.map((metric) => [
        metric,
        spreadOf(
          cases.map((c) => {
            const m = c.report.models[name]
            return m === undefined || 'error' in m ? null : (m[metric] as number | null)
          })
        ),
      ])
    )
  }
  const count = (ok: (b: QualityBar) => boolean) => cases.filter((c) => ok(c.bar)).length
  return {
    stores,
    cases,
    models,
    bar: {
      cases: cases.length,
      gini: count((b) => b.gini.ok),
      rmse: count((b) => b.rmse.ok),
      sum_ratio: count((b) => b.sumRatio.ok),
      all: count((b) => b.ok),
    },
  }
}
