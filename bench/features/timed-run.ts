// One timed run of an input: fcv ingest, fcv features and the pandas reference as child
// processes, each with its wall clock and the rusage the child reports.

import { mkdirSync } from 'node:fs'
import path from 'node:path'
import type { Params } from '../../trainer/src/params/schema.ts'
import { CLI, REPO_ROOT, runLayout, runStep, type PythonInfo, type Rusage } from '../common.ts'
import type { Input } from './inputs.ts'

export interface RunFigures {
  fcvIngest: { wallS: number; rusage: Rusage | null }
  fcvFeatures: { wallS: number; rusage: Rusage | null }
  pandas: { wallS: number; rusage: Rusage | null }
}

export async function runOnce(
  input: Input,
  params: Params,
  py: PythonInfo,
  run: number,
  dataParamsFile: string
): Promise<RunFigures> {
  const paths = runLayout(input.id)
  mkdirSync(paths.logs, { recursive: true })
  const tag = `${input.id} run ${run}`
  const f = params.features

  const ingest = await runStep(
    `fcv ingest [${tag}]`,
    process.execPath,
    [
      CLI,
      'ingest',
      ...['--set', `data.path=${input.file}`, '--set', `ingest.out_dir=${paths.fcvInterim}`],
    ],
    {
      logFile: path.join(paths.logs, 'fcv-ingest.log'),
      rusageFile: paths.fcvIngestRusage,
      env: { FCV_RUSAGE_OUT: paths.fcvIngestRusage },
    }
  )
  const features = await runStep(
    `fcv features, ${f.count + 1} cutoffs [${tag}]`,
    process.execPath,
    [
      CLI,
      'features',
      // features read <ingest.out_dir>/transactions.arrow
      ...['--set', `ingest.out_dir=${paths.fcvInterim}`],
      ...['--set', `features.out_dir=${paths.fcvProcessed}`],
      ...['--set', `features.test_cutoff=${input.testCutoff}`],
    ],
    {
      logFile: path.join(paths.logs, 'fcv-features.log'),
      rusageFile: paths.fcvFeaturesRusage,
      env: { FCV_RUSAGE_OUT: paths.fcvFeaturesRusage },
    }
  )
  const pandas = await runStep(
    `pandas reference [${tag}]`,
    py.executable,
    [
      path.join(REPO_ROOT, 'bench', 'pandas_reference.py'),
      ...['--input', input.file, '--out-dir', paths.pandas, '--test-cutoff', input.testCutoff],
      ...['--step-days', String(f.step_days), '--count', String(f.count)],
      ...['--horizon-days', String(f.horizon_days), '--cap-days', String(f.cap_days)],
      ...['--data-params', dataParamsFile, '--rusage-out', paths.pandasRusage],
    ],
    { logFile: path.join(paths.logs, 'pandas.log'), rusageFile: paths.pandasRusage }
  )
  return { fcvIngest: ingest, fcvFeatures: features, pandas }
}
