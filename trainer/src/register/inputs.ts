import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import type { MetricsReport } from '../evaluate/index.ts'
import type { DatasetInput } from '@fcv/core'
import { MODEL_FILES, readModelJson, type ModelMetadata } from '../model/model-files.ts'
import type { TrainResult } from '../model/train-loop.ts'
import type { Params } from '../params/schema.ts'
import { fileMd5 } from './provenance.ts'

/** One file to upload: a local file or bytes, and where it goes below an artifact root. */
export type Upload = { path: string } & ({ local: string } | { bytes: Uint8Array })

export async function uploadBytes(u: Upload): Promise<Uint8Array> {
  return 'bytes' in u ? u.bytes : await readFile(u.local)
}

export interface LocalInputs {
  meta: ModelMetadata
  generatedBy: string
  /** Columns of the network's input, in order. */
  inputColumns: string[]
  report: MetricsReport
  training: TrainResult
  dataMd5: string
  dataset: DatasetInput
  /** Reports, plots and stage records: the run's artifacts. */
  runFiles: Upload[]
  /** The model directory: the LoggedModel's artifacts (the MLmodel file is added to them). */
  modelFiles: Upload[]
}

export class RegisterInputError extends Error {
  override name = 'RegisterInputError'
}

async function mustExist(path: string, what: string): Promise<string> {
  if (!existsSync(path)) {
    throw new RegisterInputError(`${path} is missing: ${what}`)
  }
  return path
}

/**
 * What the earlier stages wrote, read and checked before any MLflow call: the model directory
 * (train), the metrics, plots and report (evaluate), the log the run was trained on (for its
 * digest), and, when present, the ingest and feature records.
 */
export async function readLocalInputs(params: Params): Promise<LocalInputs> {
  const modelDir = params.train.out_dir
  const reports = params.evaluate.out_dir
  const need = 'run `fcv train` and `fcv evaluate` first (or `fcv pipeline`)'
  for (const f of Object.values(MODEL_FILES)) await mustExist(join(modelDir, f), need)
  await mustExist(join(reports, 'metrics.json'), need)
  await mustExist(params.data.path, 'the transaction log the model was trained on (data.path)')
  const json = await readModelJson(modelDir)
  const report = JSON.parse(await readFile(join(reports, 'metrics.json'), 'utf8')) as MetricsReport
  const training = JSON.parse(
    await readFile(join(modelDir, MODEL_FILES.training), 'utf8')
  ) as TrainResult
  const dataMd5 = await fileMd5(params.data.path)
  const enc = json.metadata.encoding
  const inputColumns = [
    ...enc.numeric.map((n) => n.name),
    ...enc.categorical.flatMap((c) => [
      ...c.vocabulary.map((v) => `${c.name}=${v}`),
      `${c.name}=other`,
    ]),
  ]
  if (inputColumns.length !== enc.width) {
    throw new RegisterInputError(
      `${modelDir}/model.json: the encoding lists ${inputColumns.length} input columns but its width is ${enc.width}`
    )
  }

  const runFiles: Upload[] = []
  for (const f of ['metrics.json', 'report.html', 'predictions.csv']) {
    if (existsSync(join(reports, f)))
      runFiles.push({ local: join(reports, f), path: `reports/${f}` })
  }
  const plots = join(reports, 'plots')
  if (existsSync(plots)) {
    for (const f of (await readdir(plots)).sort()) {
      if (/\.(csv|svg|png)$/.test(f))
        runFiles.push({ local: join(plots, f), path: `reports/plots/${f}` })
    }
  }
  const ingestReport = join(params.ingest.out_dir, 'ingest-report.json')
  if (existsSync(ingestReport))
    runFiles.push({ local: ingestReport, path: 'data/ingest-report.json' })
  const featureSchema = join(params.features.out_dir, 'schema.json')
  if (existsSync(featureSchema))
    runFiles.push({ local: featureSchema, path: 'data/features-schema.json' })

  const modelFiles: Upload[] = [
    { local: join(modelDir, MODEL_FILES.model), path: MODEL_FILES.model },
    { local: join(modelDir, MODEL_FILES.weights), path: MODEL_FILES.weights },
    { local: join(modelDir, MODEL_FILES.training), path: MODEL_FILES.training },
    // The spec on its own, for readers of the model page (model.json holds it too).
    {
      bytes: new TextEncoder().encode(JSON.stringify(json.metadata.featureSpec, null, 1) + '\n'),
      path: 'feature_spec.json',
    },
  ]

  const profile = existsSync(ingestReport)
    ? (JSON.parse(await readFile(ingestReport, 'utf8')) as Record<string, unknown>)
    : null
  const dataset: DatasetInput = {
    name: basename(params.data.path),
    digest: dataMd5,
    source_type: 'local',
    source: JSON.stringify({ uri: resolve(params.data.path) }),
    context: 'training',
    ...(profile
      ? {
          profile: JSON.stringify({
            rows_read: profile['rows_read'],
            rows_kept: profile['rows_kept'],
            rows_quarantined: profile['rows_quarantined'],
            customers: profile['customers'],
            date_range: profile['date_range'],
          }),
        }
      : {}),
  }
  return {
    meta: json.metadata,
    generatedBy: json.generatedBy ?? 'TensorFlow.js',
    inputColumns,
    report,
    training,
    dataMd5,
    dataset,
    runFiles,
    modelFiles,
  }
}

/** Writes the registration record whole (temporary file, then rename). */
export async function writeRecord(path: string, record: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.fcv-tmp-${process.pid}`
  await writeFile(tmp, JSON.stringify(record, null, 2) + '\n')
  await rename(tmp, path)
}
