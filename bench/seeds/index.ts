// The seeds benchmark: how much the test metrics move with train.seed alone, for the single network
// as it was before ensembles and for params.yaml's seed ensemble (train.ensemble,
// trainer/src/model/ensemble.ts). Per case (log and test cutoff): fcv ingest and features once, then
// fcv train and evaluate per model and seed, as child processes with every output under
// bench/out/seeds/<case>/.

import { readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { textTable } from '../../trainer/src/io/text-table.ts'
import { loadParams } from '../../trainer/src/params/load.ts'
import {
  BENCH_OUT,
  buildCli,
  CLI,
  log,
  machineInfo,
  mean,
  REAL_LOG,
  REPO_ROOT,
  runStep,
  saveResults,
  sd,
} from '../common.ts'
import {
  figure,
  notApplicable,
  target,
  targetLine,
  type Figure,
  type TargetRecord,
} from '../targets.ts'
import { customerSpread, type CustomerSpread } from './customers.ts'
import { parseSeedsOptions, REAL_CUTOFFS, USAGE, type Case } from './options.ts'

/** The two models compared: the parameters each adds to the case's. */
const MODELS = {
  // The single network before ensembles: train.ensemble 1 with the hidden layers it had.
  single: ['train.ensemble=1', 'train.hidden=[64,32]'],
  // params.yaml's, with the benchmark's --set.
  ensemble: [],
} as const satisfies Record<string, readonly string[]>
type ModelName = keyof typeof MODELS

interface Run {
  model: ModelName
  seed: number
  rmse: number
  gini: number
  sumRatio: number
  epochs: number
  bestEpoch: number
  trainWallS: number
}

interface Spread {
  model: ModelName
  runs: number
  /** Per customer, across the seeds (customers.ts); null with one seed. */
  customers: CustomerSpread | null
  rmse: { mean: number; sd: number }
  gini: { mean: number; sd: number }
  sumRatio: { mean: number; sd: number }
  trainWallS: { mean: number }
}

const readJson = <T>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T

const sets = (pairs: readonly string[]) => pairs.flatMap((s) => ['--set', s])

async function runCase(c: Case, seeds: number[], extra: string[]) {
  const dir = path.join(BENCH_OUT, 'seeds', c.id.replace('@', '-'))
  rmSync(dir, { recursive: true, force: true })
  const common = [
    `data.path=${c.log}`,
    `ingest.out_dir=${path.join(dir, 'interim')}`,
    `features.out_dir=${path.join(dir, 'processed')}`,
    `features.test_cutoff=${c.cutoff}`,
    'register.enabled=false',
  ]
  for (const stage of ['ingest', 'features']) {
    await runStep(`fcv ${stage} [${c.id}]`, process.execPath, [CLI, stage, ...sets(common)], {
      logFile: path.join(dir, 'logs', `${stage}.log`),
    })
  }
  const runs: Run[] = []
  for (const model of Object.keys(MODELS) as ModelName[]) {
    for (const seed of seeds) {
      const out = path.join(dir, model, `seed-${seed}`)
      const own = sets([
        ...common,
        ...(model === 'ensemble' ? extra : MODELS[model]),
        `train.seed=${seed}`,
        `train.out_dir=${path.join(out, 'model')}`,
        `evaluate.out_dir=${path.join(out, 'reports')}`,
      ])
      const label = `[${c.id}, ${model}, seed ${seed}]`
      const train = await runStep(`fcv train ${label}`, process.execPath, [CLI, 'train', ...own], {
        logFile: path.join(out, 'train.log'),
        quiet: true,
      })
      await runStep(`fcv evaluate ${label}`, process.execPath, [CLI, 'evaluate', ...own], {
        logFile: path.join(out, 'evaluate.log'),
        quiet: true,
      })
      const m = readJson<{ models: { ziln: Record<string, number> } }>(
        path.join(out, 'reports', 'metrics.json')
      ).models.ziln
      const t = readJson<{ epochs: unknown[]; bestEpoch: number }>(
        path.join(out, 'model', 'training.json')
      )
      const run: Run = {
        model,
        seed,
        rmse: m['rmse']!,
        gini: m['gini']!,
        sumRatio: m['sum_ratio']!,
        epochs: t.epochs.length,
        bestEpoch: t.bestEpoch,
        trainWallS: train.wallS,
      }
      runs.push(run)
      log(
        `${label} rmse ${run.rmse.toFixed(1)} gini ${run.gini.toFixed(4)} ` +
          `sum_ratio ${run.sumRatio.toFixed(3)}, train ${run.trainWallS.toFixed(1)} s`
      )
    }
  }
  const spreads: Spread[] = (Object.keys(MODELS) as ModelName[]).map((model) => {
    const own = runs.filter((r) => r.model === model)
    const of = (f: (r: Run) => number) => ({ mean: mean(own.map(f)), sd: sd(own.map(f)) })
    return {
      model,
      runs: own.length,
      customers: customerSpread(
        own.map((r) => path.join(dir, model, `seed-${r.seed}`, 'reports', 'predictions.csv'))
      ),
      rmse: of((r) => r.rmse),
      gini: of((r) => r.gini),
      sumRatio: of((r) => r.sumRatio),
      trainWallS: { mean: mean(own.map((r) => r.trainWallS)) },
    }
  })
  return { case: c, runs, spreads }
}

type CaseResult = Awaited<ReturnType<typeof runCase>>

/** The ensemble's sd of RMSE at most half the single network's. */
const TARGET_SD_RATIO = 0.5

function caseTarget(r: CaseResult): TargetRecord {
  const [single, ensemble] = [r.spreads[0]!, r.spreads[1]!]
  const name = `${r.case.id}: sd of RMSE across seeds, ensemble / single network`
  const ratio = Number((ensemble.rmse.sd / single.rmse.sd).toFixed(2))
  const sds = `sd ${ensemble.rmse.sd.toFixed(1)} vs ${single.rmse.sd.toFixed(1)}`
  if (!Number.isFinite(ratio))
    return notApplicable(name, 'x', '<=', TARGET_SD_RATIO, 'needs 2 seeds or more')
  return target(name, ratio, 'x', '<=', TARGET_SD_RATIO, `${sds}, ${single.runs} seeds`)
}

/** The development log's cases when they did not run: N/A, with why. */
function casesNotRun(cases: readonly Case[], quick: boolean): TargetRecord[] {
  if (cases.some((c) => c.log === REAL_LOG)) return []
  const why = quick ? '--quick runs the shipped sample only' : `the UCI log is absent (${REAL_LOG})`
  return REAL_CUTOFFS.map((cutoff) =>
    notApplicable(
      `online-retail-ii@${cutoff}: sd of RMSE across seeds, ensemble / single network`,
      'x',
      '<=',
      0.5,
      why
    )
  )
}

function seedsHeadline(results: readonly CaseResult[]): Figure[] {
  const d = (x: number, digits: number) => Number(x.toFixed(digits))
  return results.flatMap((r) =>
    r.spreads.flatMap((s) => [
      figure(
        `${r.case.id}, ${s.model}: RMSE mean ± sd`,
        `${d(s.rmse.mean, 1)} ± ${d(s.rmse.sd, 1)}`
      ),
      figure(`${r.case.id}, ${s.model}: Gini mean`, d(s.gini.mean, 4)),
    ])
  )
}

function printSummary(results: readonly CaseResult[], targets: readonly TargetRecord[]): void {
  const out = (text: string) => process.stdout.write(text + '\n')
  const f = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a')
  out('')
  out(
    textTable(
      ['case', 'model', 'seed', 'rmse', 'gini', 'sum_ratio', 'epochs', 'best', 'train s'],
      results.flatMap((r) =>
        r.runs.map((x) => [
          r.case.id,
          x.model,
          String(x.seed),
          f(x.rmse, 1),
          f(x.gini, 4),
          f(x.sumRatio, 3),
          String(x.epochs),
          String(x.bestEpoch),
          f(x.trainWallS, 1),
        ])
      ),
      'lrrrrrrrr'
    )
  )
  out('')
  out(
    textTable(
      ['case', 'model', 'runs', 'rmse mean', 'rmse sd', 'gini mean', 'gini sd', 'sum_ratio sd'],
      results.flatMap((r) =>
        r.spreads.map((s) => [
          r.case.id,
          s.model,
          String(s.runs),
          f(s.rmse.mean, 1),
          f(s.rmse.sd, 1),
          f(s.gini.mean, 4),
          f(s.gini.sd, 4),
          f(s.sumRatio.sd, 4),
        ])
      ),
      'lrrrrrrr'
    )
  )
  out('')
  out(
    textTable(
      [
        'case',
        'model',
        'customers',
        'prediction sd/mean',
        '3 customers',
        'their actual, predictions',
      ],
      results.flatMap((r) =>
        r.spreads.map((s) => [
          r.case.id,
          s.model,
          String(s.customers?.customers ?? 'n/a'),
          s.customers ? `${f(100 * s.customers.predictionSpreadMedian, 1)}%` : 'n/a',
          s.customers ? `${f(100 * s.customers.top3Share, 0)}%` : 'n/a',
          (s.customers?.top ?? [])
            .map((t) => `${f(t.actual, 0)}: ${t.predictions.map((p) => f(p, 0)).join(' ')}`)
            .join('; '),
        ])
      ),
      'lrrrrl'
    )
  )
  out('')
  out("prediction sd/mean: the median over customers of their prediction's spread across seeds;")
  out(
    "3 customers: the share of the customers' squared-error variances across seeds from the three"
  )
  out('that vary most (RMSE is theirs to move when it is large).')
  out('')
  out('sd: sample standard deviation across seeds; best: the epoch kept (the refit runs as many);')
  out('train s: wall time of fcv train (spawn to exit).')
  out('')
  for (const t of targets) out(targetLine(t))
}

export async function seedsBenchmark(argv: string[]): Promise<number> {
  const o = parseSeedsOptions(argv)
  if (o.help) {
    process.stdout.write(USAGE + '\n')
    return 0
  }
  buildCli()
  const params = loadParams(path.join(REPO_ROOT, 'params.yaml'), o.sets)
  log(
    `cases ${o.cases.map((c) => c.id).join(', ')}; seeds ${o.seeds.join(', ')}; single network ` +
      `(${MODELS.single.join(' ')}) vs ensemble of ${params.train.ensemble} x ` +
      `[${params.train.hidden.join(', ')}]`
  )
  const results: CaseResult[] = []
  for (const c of o.cases) results.push(await runCase(c, o.seeds, o.sets))
  const targets = [...results.map(caseTarget), ...casesNotRun(o.cases, o.quick)]
  printSummary(results, targets)
  saveResults(o.quick ? 'seeds:quick' : 'seeds', {
    machine: machineInfo(undefined),
    options: { quick: o.quick, seeds: o.seeds, sets: o.sets },
    models: { single: MODELS.single, ensemble: o.sets },
    outputs: path.relative(REPO_ROOT, path.join(BENCH_OUT, 'seeds')),
    params: { train: { ...params.train, out_dir: undefined, seed: undefined } },
    cases: results.map((r) => ({
      id: r.case.id,
      log: path.relative(REPO_ROOT, r.case.log),
      test_cutoff: r.case.cutoff,
      runs: r.runs,
      spreads: r.spreads,
    })),
    headline: seedsHeadline(results),
    targets,
  })
  return o.check && targets.some((t) => t.passed === false) ? 1 : 0
}
