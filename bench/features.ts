// The features benchmark: fcv ingest + fcv features against the same work in pandas
// (bench/pandas_reference.py), on the real UCI log and on a ~10M-row synthetic log; then an
// agreement check between the two outputs, with core/computeFeatures as the arbiter.

import {
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { createGunzip } from 'node:zlib'
import { addDays, formatDay, parseInstant, planCutoffs, type Cutoff, type Split } from '@fcv/core'
import { loadParams } from '../trainer/src/params/load.ts'
import type { Params } from '../trainer/src/params/schema.ts'
import {
  cleaningCounts,
  compareRows,
  compareTransactions,
  coreFeatureRows,
  emptyComparison,
  rowsFromArrow,
  specFor,
  SPLITS,
  REL_TOL,
  type Comparison,
  type FeatureRows,
  type IngestComparison,
} from './agreement.ts'
import {
  BENCH_OUT,
  buildCli,
  CLI,
  REPO_ROOT,
  capture,
  findPython,
  log,
  machineInfo,
  mb,
  runStep,
  saveResults,
  table,
  type PythonInfo,
  type Rusage,
  StepError,
} from './common.ts'

export const REAL_LOG = path.resolve(
  REPO_ROOT,
  '../shared/data/online-retail-ii/online_retail_II_until_2011-09-09.csv.gz'
)

/**
 * Synthetic log sizes. Over 2 years the generator writes about 148 lines per customer
 * (trainer/src/generate/sizing.ts: customersForRows(10e6, 2) = 67,481); the exact count is measured.
 */
const SYNTHETIC_FULL = { customers: 67_500, years: 2, seed: 1 } // ~10.0M lines
const SYNTHETIC_QUICK = { customers: 6_750, years: 2, seed: 1 } // ~1.0M lines
const SYNTHETIC_START = '2021-01-01'

const TARGET_SPEEDUP = 2
const TARGET_RSS_MB = 1024
const TARGET_RSS_MIN_ROWS = 9_000_000

const USAGE = `usage: npm run bench -- features [options]

  --quick             small synthetic log (${SYNTHETIC_QUICK.customers} customers), one run each (also FCV_BENCH_QUICK=1)
  --skip-synthetic    only the real log
  --skip-real         only the synthetic log
  --runs N            timed runs per input (median reported); default 3 on the real log, 1 on synthetic
  --customers N       synthetic customers (default ${SYNTHETIC_FULL.customers}, quick ${SYNTHETIC_QUICK.customers})
  --years N           synthetic years (default ${SYNTHETIC_FULL.years})
  --seed N            synthetic seed (default ${SYNTHETIC_FULL.seed})
  --no-core-check     skip recomputing features with core/computeFeatures in the agreement check
  --check             exit 1 when a target or the agreement check fails

Python: $FCV_PYTHON, else .venv/bin/python (python3 -m venv .venv && .venv/bin/pip install -r requirements.txt).
Outputs: bench/out/ (generated logs, run directories, logs); figures: bench/results.json
(key "features"; --quick runs under "features:quick").`

interface Input {
  id: string
  kind: 'real' | 'synthetic'
  file: string
  rows: number
  testCutoff: string
  generation?: Record<string, unknown>
}

interface RunFigures {
  fcvIngest: { wallS: number; rusage: Rusage | null }
  fcvFeatures: { wallS: number; rusage: Rusage | null }
  pandas: { wallS: number; rusage: Rusage | null }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

/** Data lines of a CSV(.gz) with a header (line count minus the header). */
async function countRows(file: string): Promise<number> {
  let lines = 0
  let last = 10
  const source = createReadStream(file)
  const stream = file.endsWith('.gz') ? source.pipe(createGunzip()) : source
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++
    if (chunk.length) last = chunk[chunk.length - 1] as number
  }
  return lines - 1 + (last === 10 ? 0 : 1)
}

/** Cached facts about an input file, invalidated when its size or mtime change. */
async function cachedRowCount(file: string): Promise<number> {
  const st = statSync(file)
  const meta = path.join(BENCH_OUT, `rows-${path.basename(file)}.json`)
  if (existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as {
      size: number
      mtimeMs: number
      rows: number
    }
    if (m.size === st.size && m.mtimeMs === st.mtimeMs) return m.rows
  }
  log(`counting rows of ${path.basename(file)}`)
  const rows = await countRows(file)
  writeFileSync(meta, JSON.stringify({ size: st.size, mtimeMs: st.mtimeMs, rows }) + '\n')
  return rows
}

/** Generates the synthetic log once per (customers, years, seed, start); later runs reuse it. */
async function syntheticInput(o: {
  customers: number
  years: number
  seed: number
}): Promise<Input> {
  const id = `synthetic-c${o.customers}-y${o.years}-s${o.seed}`
  const file = path.join(BENCH_OUT, `${id}.csv.gz`)
  const metaFile = path.join(BENCH_OUT, `${id}.json`)
  const start = parseInstant(SYNTHETIC_START)
  const endYear = new Date(start).getUTCFullYear() + o.years
  const end = Date.UTC(endYear, new Date(start).getUTCMonth(), new Date(start).getUTCDate())
  // The latest cutoff whose 90-day label window the log completes.
  const testCutoff = formatDay(addDays(end, -90))
  if (existsSync(file) && existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { rows: number; generateS: number }
    log(
      `synthetic log cached: ${path.relative(REPO_ROOT, file)} (${meta.rows.toLocaleString('en')} rows)`
    )
    return {
      id,
      kind: 'synthetic',
      file,
      rows: meta.rows,
      testCutoff,
      generation: { ...meta, cached: true },
    }
  }
  if ((await capture(process.execPath, [CLI, 'generate', '--help'])) === undefined) {
    throw new StepError(
      `the generator is not available (node trainer/dist/fcv.mjs generate --help fails)`
    )
  }
  const partial = path.join(BENCH_OUT, `${id}.partial.csv.gz`)
  const args = [
    ...['--customers', String(o.customers), '--years', String(o.years), '--seed', String(o.seed)],
    ...['--start', SYNTHETIC_START, '--out', partial],
  ]
  const step = await runStep(
    `generate ${id} (not timed in the benchmark)`,
    process.execPath,
    [CLI, 'generate', ...args],
    {
      logFile: path.join(BENCH_OUT, 'logs', `${id}.generate.log`),
    }
  )
  renameSync(partial, file)
  const rows = await countRows(file)
  const meta = {
    args: { ...o, start: SYNTHETIC_START },
    rows,
    bytes: statSync(file).size,
    generateS: Number(step.wallS.toFixed(2)),
    date: new Date().toISOString(),
  }
  writeFileSync(metaFile, JSON.stringify(meta, null, 2) + '\n')
  log(
    `synthetic log: ${rows.toLocaleString('en')} rows, ${(meta.bytes / 2 ** 20).toFixed(0)} MB gz, generated in ${meta.generateS} s`
  )
  return { id, kind: 'synthetic', file, rows, testCutoff, generation: { ...meta, cached: false } }
}

async function runOnce(
  input: Input,
  params: Params,
  py: PythonInfo,
  run: number,
  dataParamsFile: string
): Promise<RunFigures> {
  const dir = path.join(BENCH_OUT, 'runs', input.id)
  const logs = path.join(dir, 'logs')
  const interim = path.join(dir, 'fcv-interim')
  const processed = path.join(dir, 'fcv-processed')
  const pandasOut = path.join(dir, 'pandas')
  mkdirSync(logs, { recursive: true })
  const tag = `${input.id} run ${run}`
  const f = params.features

  const ingestRusage = path.join(dir, 'fcv-ingest.rusage.json')
  const ingest = await runStep(
    `fcv ingest [${tag}]`,
    process.execPath,
    [CLI, 'ingest', '--set', `data.path=${input.file}`, '--set', `ingest.out_dir=${interim}`],
    {
      logFile: path.join(logs, 'fcv-ingest.log'),
      rusageFile: ingestRusage,
      env: { FCV_RUSAGE_OUT: ingestRusage },
    }
  )
  const featuresRusage = path.join(dir, 'fcv-features.rusage.json')
  const features = await runStep(
    `fcv features, ${f.count + 1} cutoffs [${tag}]`,
    process.execPath,
    [
      CLI,
      'features',
      // features read <ingest.out_dir>/transactions.arrow
      ...['--set', `ingest.out_dir=${interim}`, '--set', `features.out_dir=${processed}`],
      ...['--set', `features.test_cutoff=${input.testCutoff}`],
    ],
    {
      logFile: path.join(logs, 'fcv-features.log'),
      rusageFile: featuresRusage,
      env: { FCV_RUSAGE_OUT: featuresRusage },
    }
  )
  const pandasRusage = path.join(dir, 'pandas.rusage.json')
  const pandas = await runStep(
    `pandas reference [${tag}]`,
    py.executable,
    [
      path.join(REPO_ROOT, 'bench', 'pandas_reference.py'),
      ...['--input', input.file, '--out-dir', pandasOut, '--test-cutoff', input.testCutoff],
      ...['--step-days', String(f.step_days), '--count', String(f.count)],
      ...['--horizon-days', String(f.horizon_days), '--cap-days', String(f.cap_days)],
      ...['--data-params', dataParamsFile, '--rusage-out', pandasRusage],
    ],
    { logFile: path.join(logs, 'pandas.log'), rusageFile: pandasRusage }
  )
  return { fcvIngest: ingest, fcvFeatures: features, pandas }
}

interface AgreementResult {
  ingest: IngestComparison
  cleaning: ReturnType<typeof cleaningCounts>
  fcvVsPandas: Comparison & { perSplit: Record<string, { fcv: number; pandas: number }> }
  schema: { fcv: Record<string, string[]>; pandas: Record<string, string[]> }
  coreVsPandas?: Comparison
  coreVsFcv?: Comparison
  agree: boolean
}

function agreement(input: Input, params: Params, coreCheck: boolean): AgreementResult {
  const dir = path.join(BENCH_OUT, 'runs', input.id)
  const f = params.features
  const spec = specFor({
    horizonDays: f.horizon_days,
    capDays: f.cap_days,
    currencyExponent: params.data.currency_exponent,
  })
  log(`▶ agreement check [${input.id}]: ingest outputs`)
  const ingest = compareTransactions(
    path.join(dir, 'fcv-interim', 'transactions.arrow'),
    path.join(dir, 'pandas', 'transactions.arrow')
  )
  log(`▶ agreement check [${input.id}]: features (fcv vs pandas, joined on customer_id + cutoff)`)
  const fcvVsPandas = {
    ...emptyComparison(spec),
    perSplit: {} as Record<string, { fcv: number; pandas: number }>,
  }
  const schema = { fcv: {} as Record<string, string[]>, pandas: {} as Record<string, string[]> }
  const fcvRows = new Map<Split, FeatureRows>()
  const pandasRows = new Map<Split, FeatureRows>()
  for (const split of SPLITS) {
    const a = rowsFromArrow(path.join(dir, 'fcv-processed', `${split}.arrow`), spec)
    const b = rowsFromArrow(path.join(dir, 'pandas', `${split}.arrow`), spec)
    schema.fcv[split] = a.schema
    schema.pandas[split] = b.schema
    fcvRows.set(split, a.rows)
    pandasRows.set(split, b.rows)
    compareRows(split, a.rows, b.rows, spec, fcvVsPandas)
    fcvVsPandas.perSplit[split] = { fcv: a.rows.keys.length, pandas: b.rows.keys.length }
  }
  const readJson = (file: string) =>
    existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, never>) : null
  const cleaning = cleaningCounts(
    readJson(path.join(dir, 'fcv-interim', 'ingest-report.json')),
    (readJson(path.join(dir, 'pandas.rusage.json'))?.['clean'] ?? null) as Record<
      string,
      number
    > | null
  )
  const result: AgreementResult = { ingest, cleaning, fcvVsPandas, schema, agree: false }
  if (coreCheck) {
    const cutoffs: Cutoff[] = planCutoffs({
      testCutoff: parseInstant(input.testCutoff),
      stepDays: f.step_days,
      count: f.count,
      horizonDays: f.horizon_days,
    })
    for (const [side, rows, key] of [
      ['pandas', pandasRows, 'coreVsPandas'],
      ['fcv', fcvRows, 'coreVsFcv'],
    ] as const) {
      log(
        `▶ agreement check [${input.id}]: core computeFeatures on ${side}'s transactions vs ${side}'s features`
      )
      const core = coreFeatureRows(
        path.join(dir, side === 'fcv' ? 'fcv-interim' : 'pandas', 'transactions.arrow'),
        cutoffs,
        spec
      )
      const cmp = emptyComparison(spec)
      for (const split of SPLITS) compareRows(split, core.get(split)!, rows.get(split)!, spec, cmp)
      result[key] = cmp
    }
  }
  const clean = (c: Comparison | undefined) =>
    !c || (c.onlyA === 0 && c.onlyB === 0 && c.totalMismatches === 0)
  result.agree =
    clean(fcvVsPandas) &&
    clean(result.coreVsPandas) &&
    clean(result.coreVsFcv) &&
    Object.values(schema.fcv).every((s) => s.length === 0) &&
    ingest.onlyA === 0 &&
    ingest.onlyB === 0 &&
    ingest.customersDiffering === 0
  log(
    `✓ agreement check [${input.id}]: ${result.agree ? 'fcv and pandas agree' : 'DIFFERENCES (see below)'}`
  )
  return result
}

function printAgreement(input: Input, r: AgreementResult): void {
  const out: string[] = [`\nAgreement on ${input.id} (numeric tolerance ${REL_TOL} relative):`]
  const i = r.ingest
  out.push(
    `  ingest: fcv ${i.rowsA.toLocaleString('en')} lines, pandas ${i.rowsB.toLocaleString('en')}; ` +
      (i.full
        ? `only in fcv ${i.onlyA}, only in pandas ${i.onlyB}; `
        : '(per-customer comparison only) ') +
      `customers ${i.customersA}/${i.customersB}, differing ${i.customersDiffering}; ` +
      `net amount ${i.amountSumA}/${i.amountSumB} minor`
  )
  for (const e of i.onlyAExamples) out.push(`    only in fcv:    ${e}`)
  for (const e of i.onlyBExamples) out.push(`    only in pandas: ${e}`)
  for (const e of i.customerExamples) out.push(`    customer ${e}`)
  const c = r.fcvVsPandas
  out.push(
    `  features rows: ` +
      SPLITS.map(
        (s) => `${s} fcv ${c.perSplit[s]?.fcv ?? 0} / pandas ${c.perSplit[s]?.pandas ?? 0}`
      ).join(', ') +
      `; only in fcv ${c.onlyA}, only in pandas ${c.onlyB}`
  )
  for (const e of c.onlyAExamples) out.push(`    only in fcv:    ${e}`)
  for (const e of c.onlyBExamples) out.push(`    only in pandas: ${e}`)
  for (const side of ['fcv', 'pandas'] as const) {
    for (const [split, issues] of Object.entries(r.schema[side])) {
      if (issues.length) out.push(`  schema of ${side} ${split}.arrow: ${issues.join('; ')}`)
    }
  }
  if (r.cleaning.length) {
    out.push(
      '  cleaning (rows per rule; pandas skips lines with a wrong field count before counting):'
    )
    const cells = r.cleaning.map((x) => [x.rule, String(x.fcv ?? 'n/a'), String(x.pandas ?? 'n/a')])
    out.push(table(['rule', 'fcv ingest', 'pandas'], cells, 'lrr').replace(/^/gm, '    '))
  }
  const comparisons = [c, r.coreVsPandas, r.coreVsFcv].filter((x) => x !== undefined)
  const columns = Object.keys(c.mismatches)
  if (comparisons.every((x) => x.totalMismatches === 0)) {
    out.push(
      `  mismatching rows per column: 0 in all ${columns.length} columns` +
        (r.coreVsPandas
          ? ' (fcv vs pandas, core(pandas tx) vs pandas, core(fcv tx) vs fcv)'
          : ' (fcv vs pandas)')
    )
  } else {
    const headers = ['column', 'fcv vs pandas']
    if (r.coreVsPandas) headers.push('core(pandas tx) vs pandas', 'core(fcv tx) vs fcv')
    const rows = columns.map((col) => {
      const cells = [col, String(c.mismatches[col] ?? 0)]
      if (r.coreVsPandas) {
        cells.push(
          String(r.coreVsPandas.mismatches[col] ?? 0),
          String(r.coreVsFcv?.mismatches[col] ?? 0)
        )
      }
      return cells
    })
    out.push('  mismatching rows per column:')
    out.push(table(headers, rows, 'lrrr').replace(/^/gm, '    '))
  }
  for (const [name, cmp] of [
    ['fcv vs pandas', c],
    ['core(pandas tx) vs pandas', r.coreVsPandas],
    ['core(fcv tx) vs fcv', r.coreVsFcv],
  ] as const) {
    if (!cmp) continue
    if (cmp !== c && (cmp.onlyA || cmp.onlyB)) {
      out.push(`  ${name}: rows only in core ${cmp.onlyA}, only in the output ${cmp.onlyB}`)
      for (const e of cmp.onlyAExamples) out.push(`    only in core:   ${e}`)
      for (const e of cmp.onlyBExamples) out.push(`    only in output: ${e}`)
    }
    for (const [col, list] of Object.entries(cmp.examples)) {
      for (const e of list.slice(0, 3)) {
        out.push(
          `    ${name}: ${col} ${e.split} customer ${e.customer} @ ${e.cutoff}: ${String(e.a)} vs ${String(e.b)}`
        )
      }
    }
  }
  process.stdout.write(out.join('\n') + '\n')
}

export async function featuresBenchmark(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: process.env['FCV_BENCH_QUICK'] === '1' },
      'skip-synthetic': { type: 'boolean', default: false },
      'skip-real': { type: 'boolean', default: false },
      runs: { type: 'string' },
      customers: { type: 'string' },
      years: { type: 'string' },
      seed: { type: 'string' },
      'no-core-check': { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (o.help) {
    process.stdout.write(USAGE + '\n')
    return 0
  }
  const int = (name: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback
    const n = Number(text)
    if (!Number.isSafeInteger(n) || n < 1)
      throw new StepError(`--${name} must be a positive integer, got "${text}"`)
    return n
  }
  const size = o.quick ? SYNTHETIC_QUICK : SYNTHETIC_FULL
  const synth = {
    customers: int('customers', o.customers, size.customers),
    years: int('years', o.years, size.years),
    seed: int('seed', o.seed, size.seed),
  }
  const runsOverride = o.runs === undefined ? undefined : int('runs', o.runs, 1)

  mkdirSync(BENCH_OUT, { recursive: true })
  const py = await findPython()
  log(
    `python ${py.python} (${py.executable}), pandas ${py.pandas}, pyarrow ${py.pyarrow}, numpy ${py.numpy}`
  )
  buildCli()
  if ((await capture(process.execPath, [CLI, 'features', '--help'])) === undefined) {
    throw new StepError(
      'the fcv CLI is not ready: `node trainer/dist/fcv.mjs features --help` fails'
    )
  }
  const params = loadParams(path.join(REPO_ROOT, 'params.yaml'))
  const dataParamsFile = path.join(BENCH_OUT, 'data-params.json')
  writeFileSync(dataParamsFile, JSON.stringify(params.data, null, 2) + '\n')

  const inputs: Input[] = []
  if (o['skip-real']) log('real log skipped (--skip-real)')
  else if (!existsSync(REAL_LOG)) log(`real log skipped: ${REAL_LOG} not found`)
  else {
    inputs.push({
      id: 'online-retail-ii',
      kind: 'real',
      file: REAL_LOG,
      rows: await cachedRowCount(REAL_LOG),
      testCutoff: params.features.test_cutoff,
    })
  }
  if (o['skip-synthetic']) log('synthetic log skipped (--skip-synthetic)')
  else inputs.push(await syntheticInput(synth))
  if (inputs.length === 0) throw new StepError('no input to benchmark')

  const results: Record<string, unknown>[] = []
  const tableRows: string[][] = []
  const targets: { target: string; value: string; pass: boolean | null; note?: string }[] = []
  let agreementOk = true
  for (const input of inputs) {
    const runs = runsOverride ?? (input.kind === 'real' && !o.quick ? 3 : 1)
    log(
      `input ${input.id}: ${input.rows.toLocaleString('en')} rows, test cutoff ${input.testCutoff}, ${runs} run(s)`
    )
    const figures: RunFigures[] = []
    for (let r = 1; r <= runs; r++)
      figures.push(await runOnce(input, params, py, r, dataParamsFile))

    const wall = (pick: (f: RunFigures) => number) => median(figures.map(pick))
    const rss = (pick: (f: RunFigures) => Rusage | null) =>
      Math.max(...figures.map((f) => pick(f)?.maxRssKb ?? Number.NaN))
    const cpu = (pick: (f: RunFigures) => Rusage | null) =>
      median(
        figures.map(
          (f) => ((pick(f)?.userMs ?? Number.NaN) + (pick(f)?.systemMs ?? Number.NaN)) / 1000
        )
      )
    const phase = (f: RunFigures, names: string[]) => {
      const p = (f.pandas.rusage?.['phasesMs'] ?? {}) as Record<string, number>
      return names.reduce((s, n) => s + (p[n] ?? Number.NaN), 0) / 1000
    }
    const fcvIngestS = wall((f) => f.fcvIngest.wallS)
    const fcvFeaturesS = wall((f) => f.fcvFeatures.wallS)
    const fcvTotalS = wall((f) => f.fcvIngest.wallS + f.fcvFeatures.wallS)
    const pandasTotalS = wall((f) => f.pandas.wallS)
    const pandasIngestS = wall((f) => phase(f, ['read', 'clean', 'write_clean']))
    const pandasFeaturesS = wall((f) => phase(f, ['features', 'write_features']))
    const fcvPeakKb = Math.max(
      rss((f) => f.fcvIngest.rusage),
      rss((f) => f.fcvFeatures.rusage)
    )
    const pandasPeakKb = rss((f) => f.pandas.rusage)
    const cpuOf = (u: Rusage | null) =>
      ((u?.userMs ?? Number.NaN) + (u?.systemMs ?? Number.NaN)) / 1000
    const fcvCpuS = median(
      figures.map((f) => cpuOf(f.fcvIngest.rusage) + cpuOf(f.fcvFeatures.rusage))
    )
    const pandasCpuS = median(figures.map((f) => cpuOf(f.pandas.rusage)))
    const speedup = pandasTotalS / fcvTotalS

    const rowsText = input.rows.toLocaleString('en')
    const fmtMb = (kb: number) => (Number.isFinite(kb) ? mb(kb).toFixed(0) : 'n/a')
    tableRows.push(
      [
        input.id,
        rowsText,
        'fcv ingest',
        fcvIngestS.toFixed(2),
        fmtMb(rss((f) => f.fcvIngest.rusage)),
        cpu((f) => f.fcvIngest.rusage).toFixed(2),
      ],
      [
        input.id,
        rowsText,
        `fcv features (${params.features.count + 1} cutoffs)`,
        fcvFeaturesS.toFixed(2),
        fmtMb(rss((f) => f.fcvFeatures.rusage)),
        cpu((f) => f.fcvFeatures.rusage).toFixed(2),
      ],
      [
        input.id,
        rowsText,
        'fcv end to end',
        fcvTotalS.toFixed(2),
        fmtMb(fcvPeakKb),
        fcvCpuS.toFixed(2),
      ],
      [input.id, rowsText, 'pandas read+clean+write', pandasIngestS.toFixed(2), '', ''],
      [input.id, rowsText, 'pandas features+write', pandasFeaturesS.toFixed(2), '', ''],
      [
        input.id,
        rowsText,
        'pandas end to end',
        pandasTotalS.toFixed(2),
        fmtMb(pandasPeakKb),
        pandasCpuS.toFixed(2),
      ],
      [input.id, rowsText, 'speedup fcv vs pandas', `${speedup.toFixed(2)}x`, '', '']
    )

    if (input.kind === 'real') {
      targets.push({
        target: `fcv >= ${TARGET_SPEEDUP}x faster than pandas end to end on the real log`,
        value: `${speedup.toFixed(2)}x (${fcvTotalS.toFixed(2)} s vs ${pandasTotalS.toFixed(2)} s)`,
        pass: speedup >= TARGET_SPEEDUP,
      })
    } else {
      const enough = input.rows >= TARGET_RSS_MIN_ROWS
      targets.push({
        target: `fcv peak RSS < ${TARGET_RSS_MB} MB on ~10M rows`,
        value: `${fmtMb(fcvPeakKb)} MB on ${rowsText} rows`,
        pass: enough ? mb(fcvPeakKb) < TARGET_RSS_MB : null,
        ...(enough
          ? {}
          : {
              note: `not evaluated: the synthetic log has fewer than ${TARGET_RSS_MIN_ROWS.toLocaleString('en')} rows`,
            }),
      })
    }

    const agree = agreement(input, params, !o['no-core-check'])
    agreementOk &&= agree.agree
    printAgreement(input, agree)

    results.push({
      input: input.id,
      kind: input.kind,
      file: path.relative(REPO_ROOT, input.file),
      rows: input.rows,
      testCutoff: input.testCutoff,
      cutoffs: params.features.count + 1,
      generation: input.generation ?? null,
      runs,
      fcv: {
        ingestWallS: fcvIngestS,
        featuresWallS: fcvFeaturesS,
        totalWallS: fcvTotalS,
        peakRssMb: mb(fcvPeakKb),
        ingestPeakRssMb: mb(rss((f) => f.fcvIngest.rusage)),
        featuresPeakRssMb: mb(rss((f) => f.fcvFeatures.rusage)),
        cpuS: fcvCpuS,
      },
      pandas: {
        totalWallS: pandasTotalS,
        ingestPhasesS: pandasIngestS,
        featuresPhasesS: pandasFeaturesS,
        peakRssMb: mb(pandasPeakKb),
        cpuS: pandasCpuS,
        phasesMs: figures.at(-1)?.pandas.rusage?.['phasesMs'] ?? null,
        clean: figures.at(-1)?.pandas.rusage?.['clean'] ?? null,
      },
      speedup,
      rawRuns: figures,
      agreement: agree,
    })
  }

  process.stdout.write(
    '\n' +
      table(['input', 'rows', 'step', 'wall s', 'peak RSS MB', 'CPU s'], tableRows, 'lrlrrr') +
      '\n\n'
  )
  process.stdout.write(
    'wall s: spawn to exit of each child (median of the runs); the pandas phase rows are timed inside\n' +
      'the Python process (without interpreter start and imports). Peak RSS: max over the runs.\n'
  )
  for (const input of inputs) {
    if (input.generation) {
      const g = input.generation as { generateS?: number; cached?: boolean; date?: string }
      process.stdout.write(
        `${input.id}: generated in ${g.generateS} s (not counted${g.cached ? `; cached since ${g.date}` : ''})\n`
      )
    }
  }
  process.stdout.write('\n')
  for (const t of targets) {
    const verdict = t.pass === null ? 'N/A ' : t.pass ? 'PASS' : 'FAIL'
    process.stdout.write(
      `target ${verdict}  ${t.target}: ${t.value}${t.note ? ` (${t.note})` : ''}\n`
    )
  }
  process.stdout.write(
    `agreement ${agreementOk ? 'PASS' : 'FAIL'}  fcv vs pandas outputs (details above)\n`
  )

  // Smoke runs (--quick) go under their own key so they never replace the full figures.
  saveResults(o.quick ? 'features:quick' : 'features', {
    machine: machineInfo(py),
    options: {
      quick: o.quick,
      synthetic: o['skip-synthetic'] ? null : synth,
      runsOverride: runsOverride ?? null,
    },
    params: { ...params.features, out_dir: undefined },
    inputs: results,
    targets,
    agreement: agreementOk,
  })
  const failed = targets.some((t) => t.pass === false) || !agreementOk
  return o.check && failed ? 1 : 0
}
