// The features benchmark: fcv ingest + fcv features against the same work in pandas
// (bench/pandas_reference.py), on the real UCI log and on a ~10M-row synthetic log; then an
// agreement check between the two outputs, with core/computeFeatures as the arbiter.
//   options.ts    command line        inputs.ts   real and synthetic logs
//   timed-run.ts  one run's steps     figures.ts  medians, table rows, results.json entries
//   targets.ts    pass/fail targets   report.ts   the final summary

import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { loadParams } from '../../trainer/src/params/load.ts'
import { checkAgreement, printAgreement } from '../agreement/index.ts'
import {
  BENCH_OUT,
  buildCli,
  CLI,
  REAL_LOG,
  REPO_ROOT,
  capture,
  findPython,
  log,
  machineInfo,
  saveResults,
  StepError,
} from '../common.ts'
import { inputEntry, stepRows, summarise } from './figures.ts'
import { collectInputs } from './inputs.ts'
import { parseFeaturesOptions, USAGE } from './options.ts'
import { printSummary } from './report.ts'
import { featuresHeadline, featuresTargets, type InputOutcome } from './targets.ts'
import { runOnce, type RunFigures } from './timed-run.ts'

/** Timed runs on the real log: wall times on a shared 2-core machine vary by ±20%, so a median of 5. */
const REAL_RUNS = 5

export async function featuresBenchmark(argv: string[]): Promise<number> {
  const o = parseFeaturesOptions(argv)
  if (o.help) {
    process.stdout.write(USAGE + '\n')
    return 0
  }

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
  // pandas_reference.py takes the validated data section (the log's column mapping) from here.
  const dataParamsFile = path.join(BENCH_OUT, 'data-params.json')
  writeFileSync(dataParamsFile, JSON.stringify(params.data, null, 2) + '\n')
  const inputs = await collectInputs(o, params)

  const cutoffs = params.features.count + 1
  const results: Record<string, unknown>[] = []
  const tableRows: string[][] = []
  const outcomes: InputOutcome[] = []
  for (const input of inputs) {
    const runs = o.runsOverride ?? (input.kind === 'real' && !o.quick ? REAL_RUNS : 1)
    log(
      `input ${input.id}: ${input.rows.toLocaleString('en')} rows, test cutoff ${input.testCutoff}, ${runs} run(s)`
    )
    const figures: RunFigures[] = []
    for (let r = 1; r <= runs; r++)
      figures.push(await runOnce(input, params, py, r, dataParamsFile))
    const summary = summarise(figures)
    tableRows.push(...stepRows(input, cutoffs, summary))

    const agree = checkAgreement(input, params, o.coreCheck)
    outcomes.push({ input, figures: summary, agree: agree.agree })
    printAgreement(input.id, agree)
    results.push(inputEntry(input, { cutoffs, runs }, figures, summary, agree))
  }

  const targets = featuresTargets(outcomes, {
    real: o.skipReal ? 'real log skipped (--skip-real)' : `the UCI log is absent (${REAL_LOG})`,
    synthetic: 'synthetic log skipped (--skip-synthetic)',
  })
  const agreementOk = outcomes.every((x) => x.agree)
  printSummary(tableRows, inputs, targets, agreementOk)
  // Smoke runs (--quick) go under their own key so they never replace the full figures.
  saveResults(o.quick ? 'features:quick' : 'features', {
    machine: machineInfo(py),
    options: {
      quick: o.quick,
      synthetic: o.skipSynthetic ? null : o.synthetic,
      runsOverride: o.runsOverride ?? null,
    },
    params: { ...params.features, out_dir: undefined },
    inputs: results,
    headline: featuresHeadline(outcomes),
    targets,
    agreement: agreementOk,
  })
  const failed = targets.some((t) => t.passed === false)
  return o.check && failed ? 1 : 0
}
