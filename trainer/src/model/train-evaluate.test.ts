import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { cp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import {
  histogramOf,
  parseModelJson,
  profileBounds,
  readScoringMetadata,
  TELEMETRY_BOUNDS,
  type TrainingProfile,
} from '@fcv/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { runBacktest } from '../evaluate/backtest.ts'
import { BTYD_NAME, MODEL_NAME, runEvaluate, type MetricsReport } from '../evaluate/index.ts'
import { SVG_NS } from '../evaluate/svg-chart.ts'
import { SIMPLE_BASELINES } from '../baselines/simple.ts'
import { runFeatures } from '../features/index.ts'
import { readFeatureTable } from '../features/read-table.ts'
import { runIngest } from '../ingest/index.ts'
import { loadParams, ParamsError } from '../params/load.ts'
import type { Params } from '../params/schema.ts'
import { loadTensorFlow, type LoadedTensorFlow } from './backend.ts'
import { FeatureSetError } from './feature-sets.ts'
import { runTrain } from './index.ts'
import { loadModel } from './model-files.ts'
import { predictTable } from './predict.ts'
import { PROFILE_BINS } from './profile.ts'
import { memberSeeds } from './ensemble.ts'
import { HEAD_LAYER } from './network.ts'

// The train and evaluate stages on the shipped sample of the real log (1,000 customers), a few epochs.

const root = resolve(import.meta.dirname, '../../..')
const work = mkdtempSync(join(tmpdir(), 'fcv-model-'))
const quiet = () => {}
let loaded: LoadedTensorFlow
// Native TensorFlow is built by scripts/build-tfjs-node.sh; CI requires it (FCV_REQUIRE_NATIVE=1).
const nativeProblem = await loadTensorFlow({ backend: 'native' }).then(
  () => null,
  (e: Error) => e.message
)
const requireNative = process.env['FCV_REQUIRE_NATIVE'] === '1'

function params(extra: string[] = []): Params {
  return loadParams(join(root, 'params.yaml'), [
    `data.path=${join(root, 'data/sample/online_retail_ii_sample.csv.gz')}`,
    `ingest.out_dir=${join(work, 'interim')}`,
    `features.out_dir=${join(work, 'processed')}`,
    `train.out_dir=${join(work, 'model')}`,
    `evaluate.out_dir=${join(work, 'reports')}`,
    'train.max_epochs=6',
    'register.enabled=false', // evaluate looks up no champion (evaluate/champion.test.ts does)
    ...extra,
  ])
}

const trainLog: string[] = []

beforeAll(async () => {
  loaded = await loadTensorFlow()
  await runIngest(params(), { log: quiet, progress: false })
  await runFeatures(params(), { log: quiet })
  await runTrain(params(), {
    tf: loaded.tf,
    backend: loaded.backend,
    log: (line) => trainLog.push(line),
  })
  await runEvaluate(params(), { tf: loaded.tf, log: quiet })
}, 120_000)

describe('fcv train', () => {
  it('saves a layers model with named layers, the spec, the encoding and the training curve', async () => {
    const json = JSON.parse(readFileSync(join(work, 'model/model.json'), 'utf8'))
    expect(json.format).toBe('layers-model')
    const names = json.weightsManifest[0].weights.map((w: { name: string }) => w.name)
    expect(names).toEqual([
      'hidden_1/kernel',
      'hidden_1/bias',
      'hidden_2/kernel',
      'hidden_2/bias',
      `${HEAD_LAYER}/kernel`,
      `${HEAD_LAYER}/bias`,
    ])
    const meta = json.userDefinedMetadata.fcv
    // the default seed ensemble, fused: each hidden layer K members wide, one 3-unit head
    const { ensemble, hidden, seed } = params().train
    expect(ensemble).toBeGreaterThan(1)
    expect(meta.ensemble).toEqual({ members: ensemble, seeds: memberSeeds(seed, ensemble) })
    const shapes = json.weightsManifest[0].weights.map((w: { shape: number[] }) => w.shape)
    expect(shapes).toEqual([
      [meta.encoding.width, ensemble * hidden[0]!],
      [ensemble * hidden[0]!],
      [ensemble * hidden[0]!, ensemble * hidden[1]!],
      [ensemble * hidden[1]!],
      [ensemble * hidden[1]!, 3],
      [3],
    ])
    expect(trainLog).toContain(
      `train: an ensemble of ${ensemble} networks, seeds ${meta.ensemble.seeds.join(', ')}, trained jointly`
    )
    expect(meta.featureSpec.version).toBe('v2')
    const numeric = meta.featureSpec.features.filter((f: { kind: string }) => f.kind === 'numeric')
    expect(meta.encoding.numeric.map((e: { name: string }) => e.name)).toEqual(
      numeric.map((f: { name: string }) => f.name)
    )
    expect(meta.encoding.categorical[0].name).toBe('country')
    expect(meta.maxLogValue).toBeGreaterThan(0)
    // sigma's cap is the spread of log(spend) over the buyers: about 1 on this log
    expect(meta.maxSigma).toBeGreaterThan(0.3)
    expect(meta.maxSigma).toBeLessThan(3)
    // the model carries the btyd_value fit of its test cutoff, to score serving requests with
    const schema = JSON.parse(readFileSync(join(work, 'processed/schema.json'), 'utf8'))
    const test = schema.cutoffs.find((c: { split: string }) => c.split === 'test')
    expect(meta.btyd).toEqual(test.btyd.params)
    expect(meta.btyd.bgnbd.r).toBeGreaterThan(0)
    // ... and so is calibrated for predictions as of the horizon's days after that cutoff
    expect(meta.calibratedWindow).toEqual({
      from: '2011-06-12',
      to: '2011-09-10',
      levelAdjusted: meta.levelAdjustment?.applied === true,
    })
    const training = JSON.parse(readFileSync(join(work, 'model/training.json'), 'utf8'))
    expect(training.epochs.length).toBeGreaterThan(0)
    // then a fresh network on training + validation rows, for the search's best epochs
    const refits = trainLog.filter((l) => /^train: refit epoch \d+\//.test(l))
    expect(refits).toHaveLength(training.bestEpoch)
    expect(trainLog.some((l) => /refit on \d+ training \+ validation rows/.test(l))).toBe(true)
    expect(training.bestValLoss).toBeLessThan(training.epochs[0].valLoss + 1e-9)
    const { model } = await loadModel(loaded.tf, join(work, 'model'))
    expect(model.outputs[0]!.shape).toEqual([null, 3])
    model.dispose()
  })

  it("carries the training profile of the test cutoff's rows, as recomputing it from them gives", async () => {
    const text = readFileSync(join(work, 'model/model.json'), 'utf8')
    const profile = JSON.parse(text).userDefinedMetadata.fcv.profile as TrainingProfile
    // what the bundle's readers check it with
    expect(readScoringMetadata(parseModelJson(text)).profile).toEqual(profile)
    const test = await readFeatureTable(join(work, 'processed/test.arrow'))
    expect(profile.cutoff).toBe(params().features.test_cutoff)
    expect(profile.rows).toBe(test.rows)
    const spec = JSON.parse(readFileSync(join(work, 'processed/schema.json'), 'utf8')).feature_spec
    const numeric = spec.features
      .filter((f: { kind: string }) => f.kind === 'numeric')
      .map((f: { name: string }) => f.name)
    expect(profile.features.map((f) => f.name)).toEqual(numeric)
    for (const f of profile.features) {
      const values = Array.from(test.numeric[f.name]!)
      expect(f.bounds, f.name).toEqual(profileBounds(values, PROFILE_BINS))
      expect(f.counts.length, f.name).toBeLessThanOrEqual(PROFILE_BINS)
      expect({ name: f.name, ...histogramOf(f.bounds, values) }).toEqual(f)
      expect(f.n, f.name).toBe(test.rows)
    }
    // deciles: spend in the last 30 days is 0 for most customers, so its zeros make one bucket
    const spend30 = profile.features.find((f) => f.name === 'spend_30d')!
    expect(spend30.bounds[0]).toBe(0)
    expect(spend30.counts[0]! / spend30.n).toBeGreaterThan(0.5)
    // the final model's predictions on those rows, on the Worker's bounds
    const { model, metadata } = await loadModel(loaded.tf, join(work, 'model'))
    const predicted = predictTable(loaded.tf, model, metadata, test)
    model.dispose()
    expect(profile.predicted.value).toEqual(
      histogramOf(TELEMETRY_BOUNDS.expected, Array.from(predicted.expected))
    )
    expect(profile.predicted.pBuy).toEqual(
      histogramOf(TELEMETRY_BOUNDS.pBuy, Array.from(predicted.pBuy))
    )
    expect(profile.predicted.value.n).toBe(test.rows)
    // small beside the rest of model.json
    expect(JSON.stringify(profile).length).toBeLessThan(12_000)
  })

  it('blends with btyd_value at the fixed weight, or at one picked on the validation rows', async () => {
    const fixed = JSON.parse(readFileSync(join(work, 'model/model.json'), 'utf8'))
      .userDefinedMetadata.fcv.stack
    expect(params().train.stack).toBe(0.5)
    expect(fixed.networkWeight).toBe(0.5)
    expect(trainLog).toContain('train: the mean blends the network (0.5) with btyd_value')
    const lines: string[] = []
    const picked = params([`train.out_dir=${join(work, 'model-picked')}`, 'train.stack=validation'])
    await runTrain(picked, { tf: loaded.tf, backend: loaded.backend, log: (l) => lines.push(l) })
    const meta = JSON.parse(readFileSync(join(work, 'model-picked/model.json'), 'utf8'))
      .userDefinedMetadata.fcv
    const w = meta.stack.networkWeight
    // bagged: a mean of argmins on a 0.01 grid, rounded to 0.01
    expect(w).toBeGreaterThanOrEqual(0)
    expect(w).toBeLessThanOrEqual(1)
    expect(Math.round(w * 100) / 100).toBe(w)
    expect(lines).toContain(`train: the mean blends the network (${w}) with btyd_value`)
    // the level adjustment, measured on the blend, scales both parts alike
    expect(meta.stack.btydScale).toBe(
      meta.levelAdjustment?.applied ? meta.levelAdjustment.scale : 1
    )
  }, 60_000)

  it('gives the same model and metrics for the same data, params and seed', async () => {
    const again = params([
      `train.out_dir=${join(work, 'model-again')}`,
      `evaluate.out_dir=${join(work, 'reports-again')}`,
    ])
    await runTrain(again, { tf: loaded.tf, backend: loaded.backend, log: quiet })
    await runEvaluate(again, { tf: loaded.tf, log: quiet })
    for (const file of ['model/weights.bin', 'model/model.json', 'reports/metrics.json']) {
      const a = await readFile(join(work, file))
      const b = await readFile(join(work, file.replace(/^(\w+)/, '$1-again')))
      expect(b.equals(a), file).toBe(true)
    }
  }, 60_000)
})

describe('fcv evaluate', () => {
  it('scores the model and every baseline on the same test rows', () => {
    const report = JSON.parse(
      readFileSync(join(work, 'reports/metrics.json'), 'utf8')
    ) as MetricsReport
    expect(report.test_cutoff).toBe('2011-06-12')
    const names = [MODEL_NAME, ...SIMPLE_BASELINES.map((b) => b.name), BTYD_NAME]
    expect(Object.keys(report.models)).toEqual(names)
    for (const name of names) {
      const m = report.models[name]!
      expect('error' in m ? m.error : m.customers, name).toBe(report.customers)
    }
    const ziln = report.models[MODEL_NAME]!
    if ('error' in ziln) throw new Error(ziln.error)
    expect(ziln.auc).toBeGreaterThan(0.5)
    expect(ziln.gini).toBeGreaterThan(0.3)
  })

  it("writes every test customer's prediction and interval beside the actual", () => {
    const lines = readFileSync(join(work, 'reports/predictions.csv'), 'utf8').trim().split('\n')
    expect(lines[0]).toBe('customer_id,cutoff,expected,p_buy,p10,p50,p90,actual')
    const report = JSON.parse(readFileSync(join(work, 'reports/metrics.json'), 'utf8'))
    expect(lines).toHaveLength(report.customers + 1)
    for (const line of lines.slice(1, 50)) {
      const [, cutoff, expected, pBuy, p10, p50, p90] = line.split(',')
      expect(cutoff).toBe('2011-06-12')
      expect(Number(pBuy)).toBeGreaterThanOrEqual(0)
      expect(Number(pBuy)).toBeLessThanOrEqual(1)
      expect(Number(p10)).toBeLessThanOrEqual(Number(p50))
      expect(Number(p50)).toBeLessThanOrEqual(Number(p90))
      expect(Number(expected)).toBeGreaterThanOrEqual(0)
    }
  })

  it('writes the human report with the charts, offline', () => {
    const html = readFileSync(join(work, 'reports/report.html'), 'utf8')
    expect(html.match(/<svg/g)).toHaveLength(3)
    expect(html).toContain(BTYD_NAME)
    expect(html.replaceAll(`xmlns="${SVG_NS}"`, '')).not.toMatch(/https?:\/\//)
  })

  it("writes each of the report's charts as an SVG file, byte for byte the same", () => {
    const html = readFileSync(join(work, 'reports/report.html'))
    const inline = html.toString('utf8').match(/<svg [\s\S]*?<\/svg>/g) ?? []
    for (const name of ['gains', 'deciles', 'training']) {
      const path = join(work, `reports/plots/${name}.svg`)
      expect(existsSync(path), path).toBe(true)
      const chart = inline.find((svg) => svg.includes(`aria-labelledby="${name}-title `))
      expect(chart, name).toBeDefined()
      expect(readFileSync(path).equals(Buffer.from(chart!, 'utf8')), name).toBe(true)
    }
  })

  it('writes every file and column the plots in dvc.yaml read', () => {
    const dvc = parseYaml(readFileSync(join(root, 'dvc.yaml'), 'utf8')) as {
      plots: Record<string, { x: string; y: Record<string, string[]> }>[]
    }
    for (const plot of dvc.plots) {
      for (const spec of Object.values(plot)) {
        for (const [file, columns] of Object.entries(spec.y)) {
          const path = join(work, file.replace(/^reports\//, 'reports/'))
          const header = readFileSync(path, 'utf8').split('\n')[0]!.split(',')
          for (const c of [spec.x, ...columns]) expect(header, `${file}: ${c}`).toContain(c)
        }
      }
    }
  })
})

describe('bad input to train and evaluate', () => {
  async function copyFeatures(name: string): Promise<string> {
    const dir = join(work, name)
    await cp(join(work, 'processed'), dir, { recursive: true })
    return dir
  }
  const train = (p: Params) => runTrain(p, { tf: loaded.tf, backend: loaded.backend, log: quiet })

  it('refuses features of another spec version, and writes no model', async () => {
    const dir = await copyFeatures('processed-v0')
    const schema = JSON.parse(await readFile(join(dir, 'schema.json'), 'utf8'))
    schema.feature_spec.version = 'v0'
    await writeFile(join(dir, 'schema.json'), JSON.stringify(schema))
    const out = join(work, 'model-v0')
    await expect(
      train(params([`features.out_dir=${dir}`, `train.out_dir=${out}`]))
    ).rejects.toThrow(/spec v0, but this fcv computes v2: run `fcv features` again/)
    expect(existsSync(out)).toBe(false)
  })

  it('refuses an empty training set', async () => {
    const out = join(work, 'model-empty')
    // Every training cutoff before the first transaction: no customer has history there.
    const p = params([
      `features.out_dir=${join(work, 'processed-empty')}`,
      'features.test_cutoff=2010-01-10',
      'features.count=2',
      `train.out_dir=${out}`,
    ])
    await runFeatures(p, { log: quiet })
    await expect(train(p)).rejects.toThrow(FeatureSetError)
    await expect(train(p)).rejects.toThrow(/has no rows/)
    expect(existsSync(out)).toBe(false)
  })

  it('refuses a label that is not a number, naming the file, row and customer', async () => {
    const dir = await copyFeatures('processed-nan')
    const { tableFromIPC, tableToIPC, makeVector } = await import('apache-arrow')
    const path = join(dir, 'train.arrow')
    const table = tableFromIPC(await readFile(path))
    const labels = Float64Array.from(table.getChild('label')!.toArray() as Float64Array)
    labels[3] = Number.NaN
    const broken = table.setChild('label', makeVector(labels))
    await writeFile(path, tableToIPC(broken, 'file'))
    const out = join(work, 'model-nan')
    await expect(
      train(params([`features.out_dir=${dir}`, `train.out_dir=${out}`]))
    ).rejects.toThrow(/train\.arrow: row 3 \(customer \S+\): label NaN is not a finite number/)
    expect(existsSync(out)).toBe(false)
  })

  it('refuses training params out of range, naming the key', () => {
    expect(() => params(['train.learning_rate=-0.1'])).toThrow(ParamsError)
    expect(() => params(['train.learning_rate=-0.1'])).toThrow(/train\.learning_rate/)
    expect(() => params(['train.hidden=[]'])).toThrow(/train\.hidden/)
    expect(() => params(['train.lr_factor=1.5'])).toThrow(/train\.lr_factor/)
  })
})

describe('backends', () => {
  // float32 on both, but native TensorFlow and the JS kernels sum in different orders: the weights
  // drift by rounding steps over a few hundred Adam updates. 1e-3 relative on the metrics is far
  // below any difference that matters and far above that drift.
  const TOLERANCE = 1e-3
  it.skipIf(nativeProblem !== null && !requireNative)(
    `trains the ZILN model to the same metrics on native TensorFlow and pure JS${nativeProblem ? ` (native: ${nativeProblem})` : ''}`,
    async () => {
      if (nativeProblem !== null) throw new Error(nativeProblem)
      const runs: MetricsReport[] = []
      for (const backend of ['native', 'js'] as const) {
        const tf = await loadTensorFlow({ backend })
        const p = params([
          `train.out_dir=${join(work, `model-${backend}`)}`,
          `evaluate.out_dir=${join(work, `reports-${backend}`)}`,
        ])
        await runTrain(p, { tf: tf.tf, backend: tf.backend, log: quiet })
        runs.push((await runEvaluate(p, { tf: tf.tf, log: quiet })).report)
      }
      const [native, js] = runs.map((r) => r.models[MODEL_NAME]) as unknown as [
        Record<string, number>,
        Record<string, number>,
      ]
      for (const key of ['gini', 'rmse', 'mae', 'auc', 'sum_ratio', 'decile_mape', 'spearman']) {
        const a = native[key]!
        const b = js[key]!
        expect(Math.abs(a - b) / Math.max(Math.abs(b), 1e-12), key).toBeLessThan(TOLERANCE)
      }
      await loadTensorFlow() // back to the default for the other tests
    },
    90_000
  )
})

describe('fcv backtest', () => {
  it('runs every store at each of its cutoffs, holds each case to the bar and writes the summary', async () => {
    const out = join(work, 'backtest')
    const stores = [
      {
        name: 'sample',
        description: 'the shipped sample',
        test_cutoffs: ['2011-03-14', '2011-06-12'],
      },
      {
        name: 'absent',
        optional: true,
        data: { path: join(work, 'nope.csv') },
        test_cutoffs: ['2011-06-12'],
      },
      {
        name: 'cohort',
        generate: { regime: 'cohort', order_ids: false, customers: 400, years: 1.6, seed: 5 },
        data: { columns: { order_id: null } },
        test_cutoffs: ['2022-03-01'],
      },
    ]
    const p = params([`backtest.out_dir=${out}`, `backtest.stores=${JSON.stringify(stores)}`])
    const lines: string[] = []
    const report = await runBacktest(p, {
      tf: loaded.tf,
      backend: loaded.backend,
      log: (l) => lines.push(l),
    })
    expect(report.cases.map((c) => `${c.store}@${c.test_cutoff}`)).toEqual([
      'sample@2011-03-14',
      'sample@2011-06-12',
      'cohort@2022-03-01',
    ])
    expect(report.stores.find((s) => s.name === 'absent')!.skipped).toMatch(/not on this machine/)
    for (const c of report.cases) {
      expect(Object.keys(c.report.models)).toEqual(expect.arrayContaining([MODEL_NAME, BTYD_NAME]))
      const ziln = c.report.models[MODEL_NAME] as { gini: number; rmse: number }
      expect(c.bar.gini.model).toBe(ziln.gini)
      expect(c.bar.rmse.ok).toBe(ziln.rmse <= (c.bar.rmse.btyd ?? Infinity))
      // The bar on resamples of the customers: shares, the whole bar never more often than a part.
      const r = c.confidence
      expect(r.resamples).toBe(300)
      for (const share of [r.gini, r.rmse, r.sum_ratio, r.all]) {
        expect(share).toBeGreaterThanOrEqual(0)
        expect(share).toBeLessThanOrEqual(1)
      }
      expect(r.all).toBeLessThanOrEqual(Math.min(r.gini, r.rmse, r.sum_ratio))
    }
    const gini = report.models[MODEL_NAME]!['gini']!
    expect(gini.values).toHaveLength(3)
    expect(report.bar.cases).toBe(3)
    expect(existsSync(join(out, 'sample/2011-03-14/reports/metrics.json'))).toBe(true)
    expect(existsSync(join(out, 'cohort/log.csv.gz'))).toBe(true)
    const summary = await readFile(join(out, 'summary.md'), 'utf8')
    expect(summary).toContain('## cohort at 2022-03-01')
    expect(summary).toContain('Store absent was skipped')
    expect(summary).toMatch(/\| bar \| resamples \|/)
    expect(summary).toMatch(/Summed over the cases, \d+\.\d would be expected to meet the bar/)
    expect(JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')).bar).toEqual(report.bar)
    for (const chart of ['summary-rmse.svg', 'summary-sum.svg']) {
      expect(await readFile(join(out, chart), 'utf8')).toMatch(/<svg[^]*cohort 22-03[^]*<\/svg>/)
    }
    expect(lines.some((l) => l.startsWith('backtest: [4/4] cohort at 2022-03-01'))).toBe(true)
  }, 180_000)

  it('refuses a store name it does not know', async () => {
    const p = params([`backtest.out_dir=${join(work, 'backtest-x')}`])
    await expect(
      runBacktest(p, { tf: loaded.tf, backend: loaded.backend, log: quiet, stores: ['nope'] })
    ).rejects.toThrow(/no store named nope/)
  })
})
