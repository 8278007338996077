// The train benchmark: the whole pipeline (fcv ingest, features, train, evaluate) on the full
// development log, once per TensorFlow backend (native tfjs-node, pure JS), timed stage by stage.
//   options.ts   command line                input.ts    full log or shipped sample
//   backends.ts  which backends load here    pipeline.ts one backend's timed run
//   figures.ts   stage, epoch and metrics    targets.ts  < 60 s with native
//   report.ts    the final summary

import path from 'node:path'
import { loadParams } from '../../trainer/src/params/load.ts'
import {
  BENCH_OUT,
  buildCli,
  CLI,
  REPO_ROOT,
  capture,
  log,
  machineInfo,
  saveResults,
  StepError,
} from '../common.ts'
import { availability } from './backends.ts'
import { backendFigures, type BackendOutcome } from './figures.ts'
import { chooseInput } from './input.ts'
import { parseTrainOptions, USAGE } from './options.ts'
import { runPipeline } from './pipeline.ts'
import { printSummary } from './report.ts'
import { logAbsentTarget, pipelineTarget, trainHeadline } from './targets.ts'

export async function trainBenchmark(argv: string[]): Promise<number> {
  const o = parseTrainOptions(argv)
  if (o.help) {
    process.stdout.write(USAGE + '\n')
    return 0
  }
  const input = chooseInput(o.quick)
  if ('missing' in input) {
    log(`train benchmark skipped: the full development log ${input.missing} is not present`)
    log('(use --quick to run it on the shipped sample log)')
    // Recorded, so the suite's summary says why this benchmark has no figures.
    saveResults('train', {
      machine: machineInfo(undefined),
      options: { quick: o.quick, backends: o.backends },
      skipped: `the full development log is absent (${input.missing})`,
      headline: [],
      targets: [logAbsentTarget(input.missing)],
    })
    return 0
  }

  buildCli()
  if ((await capture(process.execPath, [CLI, 'train', '--help'])) === undefined) {
    throw new StepError('the fcv CLI is not ready: `node trainer/dist/fcv.mjs train --help` fails')
  }
  const params = loadParams(path.join(REPO_ROOT, 'params.yaml'))
  log(`input ${path.relative(REPO_ROOT, input.file)}, test cutoff ${params.features.test_cutoff}`)

  const outcomes: BackendOutcome[] = []
  for (const backend of o.backends) {
    const a = await availability(backend)
    if (!a.available) {
      log(`${backend}: unavailable, skipped: ${a.reason}`)
      outcomes.push({ backend, available: false, reason: a.reason })
      continue
    }
    const run = await runPipeline(input, backend)
    outcomes.push({ backend, available: true, figures: backendFigures(backend, run) })
  }

  const target = pipelineTarget(outcomes, o.quick)
  printSummary(input, outcomes, target)
  // Smoke runs (--quick) go under their own key so they never replace the full figures.
  saveResults(o.quick ? 'train:quick' : 'train', {
    machine: machineInfo(undefined),
    options: { quick: o.quick, backends: o.backends },
    input: { id: input.id, file: path.relative(REPO_ROOT, input.file) },
    outputs: path.relative(REPO_ROOT, path.join(BENCH_OUT, 'train')),
    params: {
      test_cutoff: params.features.test_cutoff,
      train: { ...params.train, out_dir: undefined },
    },
    backends: outcomes.map((b) => (b.available ? { available: true, ...b.figures } : b)),
    headline: trainHeadline(outcomes),
    targets: [target],
  })
  return o.check && target.passed === false ? 1 : 0
}
