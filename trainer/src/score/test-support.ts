// Test support for `fcv score`: the shipped sample ingested, featured and a candidate trained on it
// in a temporary directory, as `fcv pipeline` would (two epochs: the tests need a real model, not a
// good one); and a scoring run's files read back.

import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { tableFromIPC } from 'apache-arrow'
import { runFeatures } from '../features/index.ts'
import { runIngest } from '../ingest/index.ts'
import { loadTensorFlow } from '../model/backend.ts'
import { runTrain } from '../model/index.ts'
import { loadParams } from '../params/load.ts'
import type { Params } from '../params/schema.ts'
import { SCORE_FILES, type SCORE_COLUMNS, type ScoreSummary } from './index.ts'

const ROOT = resolve(import.meta.dirname, '../../..')
const quiet = () => {}

/** The shipped sample through ingest, features and train (2 epochs), in a directory of its own. */
export async function sampleCandidate(): Promise<{ work: string; params: Params }> {
  const work = mkdtempSync(join(tmpdir(), 'fcv-score-'))
  const params = loadParams(join(ROOT, 'params.yaml'), [
    `data.path=${join(ROOT, 'data/sample/online_retail_ii_sample.csv.gz')}`,
    `ingest.out_dir=${join(work, 'interim')}`,
    `features.out_dir=${join(work, 'processed')}`,
    `train.out_dir=${join(work, 'model')}`,
    'train.max_epochs=2',
    'register.enabled=false',
  ])
  const { tf, backend } = await loadTensorFlow()
  await runIngest(params, { log: quiet, progress: false })
  await runFeatures(params, { log: quiet })
  await runTrain(params, { tf, backend, log: quiet })
  return { work, params }
}

/** One row of scores.csv or scores.arrow, as read back. */
export interface ScoreRow {
  customer_id: string
  model_version: string
  /** Epoch ms. */
  as_of: number
  expected: number
  p_buy: number
  p10: number
  p50: number
  p90: number
}

export interface ScoreFilesRead {
  csvHeader: string[]
  csv: ScoreRow[]
  arrowColumns: string[]
  arrow: ScoreRow[]
  summary: ScoreSummary
}

/** A run's three files, parsed (the CSV's numbers with Number, which round-trips exactly). */
export function readScoreFiles(dir: string): ScoreFilesRead {
  const [header, ...lines] = readFileSync(join(dir, SCORE_FILES.csv), 'utf8').trimEnd().split('\n')
  const csv = lines.map((line) => {
    const f = line.split(',') // the sample's ids and versions hold no comma or quote
    return {
      customer_id: f[0]!,
      model_version: f[1]!,
      as_of: Date.parse(f[2]!),
      expected: Number(f[3]),
      p_buy: Number(f[4]),
      p10: Number(f[5]),
      p50: Number(f[6]),
      p90: Number(f[7]),
    }
  })
  const table = tableFromIPC(readFileSync(join(dir, SCORE_FILES.arrow)))
  const column = (name: (typeof SCORE_COLUMNS)[number]) => table.getChild(name)!.toArray()
  const ids = column('customer_id') as string[]
  const arrow = Array.from(ids, (customer_id, i) => ({
    customer_id,
    model_version: (column('model_version') as string[])[i]!,
    as_of: Number((column('as_of') as BigInt64Array)[i]),
    expected: (column('expected') as Float64Array)[i]!,
    p_buy: (column('p_buy') as Float64Array)[i]!,
    p10: (column('p10') as Float64Array)[i]!,
    p50: (column('p50') as Float64Array)[i]!,
    p90: (column('p90') as Float64Array)[i]!,
  }))
  return {
    csvHeader: header!.split(','),
    csv,
    arrowColumns: table.schema.fields.map((f) => f.name),
    arrow,
    summary: JSON.parse(readFileSync(join(dir, SCORE_FILES.summary), 'utf8')) as ScoreSummary,
  }
}

/** Rows by customer id. */
export const byId = (rows: readonly ScoreRow[]): ScoreRow[] =>
  [...rows].sort((a, b) =>
    a.customer_id < b.customer_id ? -1 : a.customer_id > b.customer_id ? 1 : 0
  )
