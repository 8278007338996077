// One timed pipeline run on one backend: fcv ingest, features, train and evaluate as child
// processes, every output under bench/out/train/<backend>/, each with its wall clock and the rusage
// the child writes to FCV_RUSAGE_OUT.

import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { BENCH_OUT, CLI, runStep, type StepResult } from '../common.ts'
import type { Backend } from './backends.ts'
import type { TrainInput } from './input.ts'

export const STAGES = ['ingest', 'features', 'train', 'evaluate'] as const
export type Stage = (typeof STAGES)[number]

export function pipelineLayout(backend: Backend) {
  const dir = path.join(BENCH_OUT, 'train', backend)
  return {
    dir,
    logs: path.join(dir, 'logs'),
    interim: path.join(dir, 'interim'),
    processed: path.join(dir, 'processed'),
    model: path.join(dir, 'model'),
    reports: path.join(dir, 'reports'),
    rusage: (stage: Stage) => path.join(dir, `${stage}.rusage.json`),
  }
}
export type PipelineLayout = ReturnType<typeof pipelineLayout>

export interface PipelineRun {
  stages: Record<Stage, StepResult>
  /** The train step's own account of its backend, e.g. "native TensorFlow 2.15.1 (tfjs-node 4.22.0)". */
  description: string | null
}

/** Starts from an empty directory, so no output of an earlier run is read as this run's. */
export async function runPipeline(input: TrainInput, backend: Backend): Promise<PipelineRun> {
  const paths = pipelineLayout(backend)
  rmSync(paths.dir, { recursive: true, force: true })
  mkdirSync(paths.logs, { recursive: true })
  const overrides = [
    `data.path=${input.file}`,
    `ingest.out_dir=${paths.interim}`,
    `features.out_dir=${paths.processed}`,
    `train.out_dir=${paths.model}`,
    `evaluate.out_dir=${paths.reports}`,
    // The model's pipeline, not MLflow: no champion lookup (it would start the embedded MLflow
    // server, time it as part of evaluate, and leave it running on 5055).
    'register.enabled=false',
  ].flatMap((o) => ['--set', o])
  const stages = {} as Record<Stage, StepResult>
  for (const stage of STAGES) {
    const tf = stage === 'train' || stage === 'evaluate' ? ['--backend', backend] : []
    const rusageFile = paths.rusage(stage)
    stages[stage] = await runStep(
      `fcv ${stage} [${input.id}, ${backend}]`,
      process.execPath,
      [CLI, stage, ...tf, ...overrides],
      {
        logFile: path.join(paths.logs, `${stage}.log`),
        rusageFile,
        env: { FCV_RUSAGE_OUT: rusageFile },
      }
    )
  }
  const trainLog = readFileSync(stages.train.logFile, 'utf8')
  const description = /^train: backend (.+)$/m.exec(trainLog)?.[1] ?? null
  return { stages, description }
}
