// Figures of one backend's run: per stage and in total (wall s, peak RSS, CPU s), the training
// curve's epochs (model/training.json) and the ZILN test metrics (reports/metrics.json).

import { readFileSync } from 'node:fs'
import path from 'node:path'
import { cpuSeconds, mb } from '../common.ts'
import { pipelineLayout, STAGES, type PipelineRun, type Stage } from './pipeline.ts'
import type { Backend } from './backends.ts'

export interface StageFigures {
  wallS: number
  peakRssMb: number
  cpuS: number
}

export interface TrainingFigures {
  epochs: number
  bestEpoch: number
  stoppedEarly: boolean
  /** Mean of the epochs' own `seconds` in training.json. */
  secondsPerEpoch: number
}

export interface ZilnMetrics {
  gini: number | null
  rmse: number | null
  sum_ratio: number | null
}

export interface BackendFigures {
  backend: Backend
  description: string | null
  rowsRead: number
  stages: Record<Stage, StageFigures>
  /** Wall and CPU summed over the stages; peak RSS: the largest stage's. */
  total: StageFigures
  training: TrainingFigures
  /** From metrics.json's models.ziln; an error string when evaluate could not score the model. */
  ziln: ZilnMetrics | { error: string }
}

interface TrainingJson {
  epochs: { epoch: number; seconds: number }[]
  bestEpoch: number
  stoppedEarly: boolean
}

const readJson = <T>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T

function trainingFigures(modelDir: string): TrainingFigures {
  const t = readJson<TrainingJson>(path.join(modelDir, 'training.json'))
  const seconds = t.epochs.reduce((s, e) => s + e.seconds, 0)
  return {
    epochs: t.epochs.length,
    bestEpoch: t.bestEpoch,
    stoppedEarly: t.stoppedEarly,
    secondsPerEpoch: t.epochs.length ? seconds / t.epochs.length : Number.NaN,
  }
}

function zilnMetrics(reportsDir: string): BackendFigures['ziln'] {
  const report = readJson<{ models: Record<string, ZilnMetrics | { error: string } | undefined> }>(
    path.join(reportsDir, 'metrics.json')
  )
  const m = report.models['ziln']
  if (m === undefined) return { error: 'metrics.json has no models.ziln' }
  if ('error' in m) return { error: m.error }
  return { gini: m.gini, rmse: m.rmse, sum_ratio: m.sum_ratio }
}

export function backendFigures(backend: Backend, run: PipelineRun): BackendFigures {
  const paths = pipelineLayout(backend)
  const stages = {} as Record<Stage, StageFigures>
  for (const stage of STAGES) {
    const r = run.stages[stage]
    stages[stage] = {
      wallS: r.wallS,
      peakRssMb: mb(r.rusage?.maxRssKb ?? Number.NaN),
      cpuS: cpuSeconds(r.rusage),
    }
  }
  const all = Object.values(stages)
  const ingest = readJson<{ rows_read: number }>(path.join(paths.interim, 'ingest-report.json'))
  return {
    backend,
    description: run.description,
    rowsRead: ingest.rows_read,
    stages,
    total: {
      wallS: all.reduce((s, f) => s + f.wallS, 0),
      peakRssMb: Math.max(...all.map((f) => f.peakRssMb)),
      cpuS: all.reduce((s, f) => s + f.cpuS, 0),
    },
    training: trainingFigures(paths.model),
    ziln: zilnMetrics(paths.reports),
  }
}

/** A backend's result: its figures, or why it was not run. */
export type BackendOutcome =
  | { backend: Backend; available: true; figures: BackendFigures }
  | { backend: Backend; available: false; reason: string }
