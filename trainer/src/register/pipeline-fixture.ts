// Test support: the pipeline's outputs on the shipped sample (a few epochs), in a temporary
// directory, for the register tests to register.

import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { runEvaluate } from '../evaluate/index.ts'
import { runFeatures } from '../features/index.ts'
import { runIngest } from '../ingest/index.ts'
import { loadTensorFlow } from '../model/backend.ts'
import { runTrain } from '../model/index.ts'
import { loadParams } from '../params/load.ts'
import type { Params } from '../params/schema.ts'

export const ROOT = resolve(import.meta.dirname, '../../..')

export interface PipelineFixture {
  work: string
  params(extra?: string[]): Params
}

export async function trainedPipeline(): Promise<PipelineFixture> {
  const work = mkdtempSync(join(tmpdir(), 'fcv-register-'))
  const params = (extra: string[] = []) =>
    loadParams(join(ROOT, 'params.yaml'), [
      `data.path=${join(ROOT, 'data/sample/online_retail_ii_sample.csv.gz')}`,
      `ingest.out_dir=${join(work, 'interim')}`,
      `features.out_dir=${join(work, 'processed')}`,
      `train.out_dir=${join(work, 'model')}`,
      `evaluate.out_dir=${join(work, 'reports')}`,
      `register.out_file=${join(work, 'registration.json')}`,
      'train.max_epochs=4',
      ...extra,
    ])
  const quiet = () => {}
  const { tf, backend } = await loadTensorFlow()
  await runIngest(params(), { log: quiet, progress: false })
  await runFeatures(params(), { log: quiet })
  await runTrain(params(), { tf, backend, log: quiet })
  // No champion lookup: each test decides which server and champion it evaluates against.
  await runEvaluate(params(), { tf, log: quiet, champion: false })
  return { work, params }
}
