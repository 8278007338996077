// The log the pipeline runs on: the full development log, or the shipped sample with --quick.

import { existsSync } from 'node:fs'
import path from 'node:path'
import { REAL_LOG, REPO_ROOT } from '../common.ts'

export const SAMPLE_LOG = path.join(REPO_ROOT, 'data', 'sample', 'online_retail_ii_sample.csv.gz')

export interface TrainInput {
  id: 'online-retail-ii' | 'sample'
  file: string
}

/** The input, or why there is none (the full log is not in the repository). */
export function chooseInput(quick: boolean): TrainInput | { missing: string } {
  const input: TrainInput = quick
    ? { id: 'sample', file: SAMPLE_LOG }
    : { id: 'online-retail-ii', file: REAL_LOG }
  return existsSync(input.file) ? input : { missing: input.file }
}
