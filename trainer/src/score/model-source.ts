// The model `fcv score` scores with: the local candidate (train.out_dir) or a version of the
// registered model (register.model_name) by number or alias, fetched from MLflow as evaluate
// fetches champions. Read as bytes for core's createScorer, the Worker's scorer, never through
// TensorFlow.js; with what is known of its test cutoff, for the calibrated window (window.ts).

import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import {
  MlflowError,
  ModelFormatError,
  parseInstant,
  parseModelJson,
  readScoringMetadata,
  type MlflowClient,
  type ModelVersion,
  type ScoringMetadata,
} from '@fcv/core'
import type { FeaturesReport } from '../features/index.ts'
import { downloadModelFiles } from '../mlflow/download-model.ts'
import { MODEL_FILES } from '../model/model-files.ts'
import type { Params } from '../params/schema.ts'
import { trackingClient } from '../register/tracking.ts'
import { ScoreError } from './errors.ts'
import type { WindowEvidence } from './window.ts'

/** Which model: the candidate in a directory, or a registered version by number or alias. */
export type ModelChoice =
  | { kind: 'candidate'; dir: string }
  | { kind: 'version'; version: string }
  | { kind: 'alias'; alias: string }

/** What the summary says about the model. */
export type ModelIdentity =
  | {
      source: 'candidate'
      version: string
      dir: string
      /** sha256 of `sha256sum model.json weights.bin`'s output in the model's directory. */
      sha256: string
    }
  | {
      source: 'mlflow'
      version: string
      name: string
      alias: string | null
      run_id: string | null
      /** The version's source: where its files are. */
      artifacts: string
      tracking_uri: string
    }

export interface ScoringModel extends WindowEvidence {
  modelJson: Uint8Array
  weights: Uint8Array
  /** What each prediction's model_version says: the registered version, or candidate@<digest>. */
  version: string
  /** For log lines and errors: "models/candidate" or "fcv-customer-value version 3". */
  label: string
  identity: ModelIdentity
  /** The registered version's currency (its fcv.currency tag), when it has one. */
  currency: string | null
}

export interface LoadModelOptions {
  /** A client to use instead of MLFLOW_TRACKING_URI or the embedded server (tests). */
  client?: MlflowClient
  env?: Record<string, string | undefined>
  log: (line: string) => void
}

/** The scoring metadata of model.json, or a ScoreError naming the model. */
function metadataOf(label: string, modelJson: Uint8Array): ScoringMetadata {
  try {
    return readScoringMetadata(parseModelJson(modelJson))
  } catch (e) {
    if (!(e instanceof ModelFormatError)) throw e
    throw new ScoreError(`${label} is not a model fcv can score: ${e.message}`, { cause: e })
  }
}

export async function loadScoringModel(
  params: Params,
  choice: ModelChoice,
  o: LoadModelOptions
): Promise<ScoringModel> {
  if (choice.kind === 'candidate') return loadCandidate(params, choice.dir)
  const client = o.client ?? (await trackingClient(params, o.env ?? process.env, o.log, 'score'))
  return loadRegistered(client, params.register.model_name, choice)
}

/** A YYYY-MM-DD calendar day as given, or null. */
function dayOrNull(text: string | undefined): string | null {
  if (text === undefined) return null
  try {
    parseInstant(text)
  } catch {
    return null
  }
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? text : null
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex')

async function loadCandidate(params: Params, dir: string): Promise<ScoringModel> {
  const read = async (file: string) => {
    try {
      return await readFile(join(dir, file))
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
      throw new ScoreError(
        `no model to score with: ${join(dir, file)} does not exist; run \`fcv train\` (or ` +
          '`fcv pipeline`) first, or score a registered version (--model-version N or --alias NAME)',
        { cause: e }
      )
    }
  }
  const modelJson = await read(MODEL_FILES.model)
  const weights = await read(MODEL_FILES.weights)
  const metadata = metadataOf(dir, modelJson)
  // What `cd <dir> && sha256sum model.json weights.bin | sha256sum` prints first.
  const listing =
    `${sha256(modelJson)}  ${MODEL_FILES.model}\n` + `${sha256(weights)}  ${MODEL_FILES.weights}\n`
  const digest = sha256(listing)
  const version = `candidate@${digest.slice(0, 16)}`
  return {
    modelJson,
    weights,
    metadata,
    version,
    label: dir,
    identity: { source: 'candidate', version, dir, sha256: digest },
    currency: null,
    testCutoff: await candidateTestCutoff(params, metadata),
  }
}

/**
 * The candidate's test cutoff from the features it was trained on (features.out_dir/schema.json),
 * only if that file's fit at its test cutoff is the BG/NBD x Gamma-Gamma fit train copied into
 * model.json: features written since, for another cutoff, are not this model's.
 */
async function candidateTestCutoff(
  params: Params,
  metadata: ScoringMetadata
): Promise<WindowEvidence['testCutoff']> {
  const path = join(params.features.out_dir, 'schema.json')
  let report: FeaturesReport
  try {
    report = JSON.parse(await readFile(path, 'utf8')) as FeaturesReport
  } catch {
    return null // no features, or unreadable: the window is unknown
  }
  const test = report.cutoffs?.find((c) => c.split === 'test')
  if (!test?.btyd || !isDeepStrictEqual(test.btyd.params, metadata.btyd)) return null
  const day = dayOrNull(test.t0)
  return day === null ? null : { day, from: `${path}, whose fit at that cutoff is the model's` }
}

async function loadRegistered(
  client: MlflowClient,
  name: string,
  choice: Exclude<ModelChoice, { kind: 'candidate' }>
): Promise<ScoringModel> {
  const where = `at ${client.trackingUri}`
  const noModel = async (): Promise<string | null> =>
    (await client.getRegisteredModel(name)) === null
      ? `no registered model "${name}" ${where} (register.model_name)`
      : null
  let found: ModelVersion
  if (choice.kind === 'version') {
    if (!/^[1-9]\d*$/.test(choice.version)) {
      throw new ScoreError(
        `--model-version must be a version number (1, 2, ...), got "${choice.version}"`
      )
    }
    try {
      found = await client.getModelVersion(name, choice.version)
    } catch (e) {
      if (!(
        e instanceof MlflowError &&
        (e.status === 404 || e.errorCode === 'RESOURCE_DOES_NOT_EXIST')
      ))
        throw e
      throw new ScoreError(
        (await noModel()) ?? `registered model "${name}" has no version ${choice.version} ${where}`,
        { cause: e }
      )
    }
  } else {
    const byAlias = await client.getVersionByAlias(name, choice.alias)
    if (!byAlias) {
      throw new ScoreError(
        (await noModel()) ?? `registered model "${name}" has no alias "${choice.alias}" ${where}`
      )
    }
    found = byAlias
  }
  const label = `${name} version ${found.version}`
  const files = await downloadModelFiles(client, found.source)
  if ('missing' in files) {
    throw new ScoreError(`${label} has no ${files.missing} at ${found.source}`)
  }
  const tags = Object.fromEntries((found.tags ?? []).map((t) => [t.key, t.value]))
  const cutoff = dayOrNull(tags['fcv.test_cutoff'])
  return {
    ...files,
    metadata: metadataOf(label, files.modelJson),
    version: found.version,
    label,
    identity: {
      source: 'mlflow',
      version: found.version,
      name,
      alias: choice.kind === 'alias' ? choice.alias : null,
      run_id: found.run_id || null,
      artifacts: found.source,
      tracking_uri: client.trackingUri,
    },
    currency: tags['fcv.currency'] ?? null,
    testCutoff: cutoff ? { day: cutoff, from: `the tag fcv.test_cutoff of ${label}` } : null,
  }
}
