import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { cp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { MlflowClient, MlflowError, connectionTo } from '@fcv/core'
import { runFeatures } from '../features/index.ts'
import { freePort } from '../mlflow/test-server.ts'
import { loadTensorFlow, type LoadedTensorFlow } from '../model/backend.ts'
import { runTrain } from '../model/index.ts'
import type { Params } from '../params/schema.ts'
import { runRegister, type Registration } from '../register/index.ts'
import { trainedPipeline, type PipelineFixture } from '../register/pipeline-fixture.ts'
import { CHAMPION_ALIAS, CHAMPION_NAME } from './champion.ts'
import { MODEL_NAME, runEvaluate, type MetricsReport } from './index.ts'
import { parsePlotCsv } from './report-html.ts'

// evaluate against the current champion, with a real MLflow server: none yet, the candidate's own
// model as champion (same model, same rows: the same numbers), a champion trained otherwise (its own
// spec, encoding and numbers), one of another spec version (failed, not fatal), and no server.

const uri = inject('mlflowUri')
const modelName = `fcv-champion-${randomBytes(4).toString('hex')}`
const quiet = () => {}
let fx: PipelineFixture
let loaded: LoadedTensorFlow
let client: MlflowClient

function params(extra: string[] = []): Params {
  return fx.params([
    `register.model_name=${modelName}`,
    `register.experiment=${modelName}`,
    ...extra,
  ])
}

async function evaluate(p: Params = params()) {
  const lines: string[] = []
  const { report } = await runEvaluate(p, { tf: loaded.tf, client, log: (l) => lines.push(l) })
  return { report, lines }
}

async function register(p: Params = params()) {
  const r = await runRegister(p, { client, log: quiet })
  if (r.status !== 'registered') throw new Error('not registered')
  return r
}

const reportsDir = () => join(fx.work, 'reports')
const onDisk = (dir = reportsDir()) =>
  JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as MetricsReport

let first: Extract<Registration, { status: 'registered' }>

beforeAll(async () => {
  fx = await trainedPipeline()
  loaded = await loadTensorFlow()
  client = new MlflowClient(connectionTo(uri, {}))
}, 240_000)

describe('fcv evaluate against the champion', () => {
  it('says so in one line and records no champion when none has been promoted', async () => {
    const none = await evaluate()
    expect(none.report.champion).toBeNull()
    expect(Object.keys(none.report.models)).not.toContain(CHAMPION_NAME)
    expect(none.lines.filter((l) => l.includes('champion'))).toEqual([
      `evaluate: no champion to compare with: no registered model "${modelName}" yet at ${client.trackingUri}`,
    ])
    expect(onDisk()).toMatchObject({ champion: null })

    first = await register()
    const unaliased = await evaluate()
    expect(unaliased.report.champion).toBeNull()
    expect(unaliased.lines).toContain(
      `evaluate: no champion to compare with: registered model "${modelName}" has no ` +
        `"${CHAMPION_ALIAS}" alias yet at ${client.trackingUri}`
    )
  }, 60_000)

  it('scores the champion exactly as the candidate when it is the same model', async () => {
    await client.setAlias(modelName, CHAMPION_ALIAS, first.version)
    const { report, lines } = await evaluate()
    expect(lines.filter((l) => l.startsWith('evaluate: champion is'))).toEqual([
      `evaluate: champion is ${modelName} version ${first.version} ` +
        `(mlflow-artifacts:/${first.experiment_id}/models/${first.model_id}/artifacts)`,
    ])
    expect(report.champion).toEqual({
      model_name: modelName,
      version: first.version,
      run_id: first.run_id,
    })
    expect(Object.keys(report.models).slice(0, 2)).toEqual([MODEL_NAME, CHAMPION_NAME])
    // Same files, same rows: features recomputed from the histories with the model's own spec and
    // fit give the very numbers the feature stage wrote, so every metric is identical.
    expect(report.models[CHAMPION_NAME]).toEqual(report.models[MODEL_NAME])
    expect(onDisk()).toEqual(report)

    const gains = parsePlotCsv(await readFile(join(reportsDir(), 'plots/gains.csv'), 'utf8'))
    expect(gains.map((g) => g[CHAMPION_NAME])).toEqual(gains.map((g) => g[MODEL_NAME]))
    const deciles = parsePlotCsv(await readFile(join(reportsDir(), 'plots/deciles.csv'), 'utf8'))
    expect(deciles.map((d) => d[`${CHAMPION_NAME}_predicted`])).toEqual(
      deciles.map((d) => d[`${MODEL_NAME}_predicted`])
    )
    const html = readFileSync(join(reportsDir(), 'report.html'), 'utf8')
    expect(html).toContain(`<th scope="row">${CHAMPION_NAME}</th>`)
    expect(html).toContain(`Champion: <b>${modelName} version ${first.version}</b>`)
    expect(readFileSync(join(reportsDir(), 'plots/gains.svg'), 'utf8')).toContain(CHAMPION_NAME)
  }, 60_000)

  it('logs the champion’s metrics with the next registration and tags the new version', async () => {
    const report = onDisk()
    const champion = report.models[CHAMPION_NAME] as unknown as Record<string, number>
    const second = await register()
    const run = await client.getRun(second.run_id)
    const metric = (key: string) => run.data.metrics?.find((m) => m.key === key)?.value
    expect(metric(`${CHAMPION_NAME}/gini`)).toBeCloseTo(champion['gini']!, 12)
    expect(metric(`${CHAMPION_NAME}/rmse`)).toBeCloseTo(champion['rmse']!, 12)
    const version = await client.getModelVersion(modelName, second.version)
    const tags = Object.fromEntries((version.tags ?? []).map((t) => [t.key, t.value]))
    expect(tags['champion.version']).toBe(first.version)
    expect(Number(tags['champion.gini'])).toBe(champion['gini'])
    expect(Number(tags['champion.rmse'])).toBe(champion['rmse'])
    expect(tags['metric.gini']).toBe(tags['champion.gini']) // the same model, again
  }, 60_000)

  it('scores a champion trained otherwise with its own spec, encoding and fit', async () => {
    // Another cap on recency and tenure, fewer countries, another seed and fewer epochs.
    const dir = (name: string) => join(fx.work, name)
    const other = params([
      `features.out_dir=${dir('processed-2')}`,
      `train.out_dir=${dir('model-2')}`,
      `evaluate.out_dir=${dir('reports-2')}`,
      'features.cap_days=365',
      'features.country_top_k=4',
      'train.max_epochs=2',
      'train.seed=7',
    ])
    await runFeatures(other, { log: quiet })
    await runTrain(other, { tf: loaded.tf, backend: loaded.backend, log: quiet })
    // Its own evaluation, with version 1 (the first model) as its champion: that model's numbers.
    const own = (await evaluate(other)).report
    expect(own.models[CHAMPION_NAME]).toEqual(onDisk().models[MODEL_NAME])
    const third = await register(other)
    await client.setAlias(modelName, CHAMPION_ALIAS, third.version)

    const { report } = await evaluate()
    expect(report.champion).toMatchObject({ version: third.version, run_id: third.run_id })
    // Scored on the first model's test rows, from histories, with its own spec: its own numbers.
    expect(report.models[CHAMPION_NAME]).toEqual(own.models[MODEL_NAME])
    expect(report.models[CHAMPION_NAME]).not.toEqual(report.models[MODEL_NAME])
  }, 120_000)

  it('records a champion of a feature spec this fcv does not compute as failed', async () => {
    const old = join(fx.work, 'model-v0')
    await cp(join(fx.work, 'model'), old, { recursive: true })
    const json = JSON.parse(await readFile(join(old, 'model.json'), 'utf8'))
    json.userDefinedMetadata.fcv.featureSpec.version = 'v0'
    await writeFile(join(old, 'model.json'), JSON.stringify(json))
    const v0 = await register(params([`train.out_dir=${old}`]))
    await client.setAlias(modelName, CHAMPION_ALIAS, v0.version)

    const { report, lines } = await evaluate()
    const error =
      `${modelName} version ${v0.version} was trained on feature spec v0; this fcv computes v2, ` +
      'so it cannot be scored as it serves'
    expect(report.champion).toMatchObject({ version: v0.version })
    expect(report.models[CHAMPION_NAME]).toEqual({ error })
    expect(lines).toContain(`evaluate: the champion could not be scored: ${error}`)
    expect(report.models[MODEL_NAME]).toHaveProperty('gini')
    const gains = readFileSync(join(reportsDir(), 'plots/gains.csv'), 'utf8')
    expect(gains.split('\n')[0]).not.toContain(CHAMPION_NAME)
    expect(readFileSync(join(reportsDir(), 'report.html'), 'utf8')).toContain(
      '<strong>failed</strong>: '
    )
  }, 60_000)

  it('records a champion whose model files are missing as failed', async () => {
    const run = await client.getRun(first.run_id)
    const source = `${run.info.artifact_uri}/no-model-here`
    const empty = await client.createModelVersion({ name: modelName, source, runId: first.run_id })
    await client.setAlias(modelName, CHAMPION_ALIAS, empty.version)
    const { report } = await evaluate()
    expect(report.champion).toMatchObject({ version: empty.version })
    expect(report.models[CHAMPION_NAME]).toEqual({
      error: `${modelName} version ${empty.version} has no model.json at ${source}`,
    })
  }, 60_000)

  it('fails, naming the call, when MLflow is unreachable and registration is on', async () => {
    const before = readFileSync(join(reportsDir(), 'metrics.json'))
    const env = {
      MLFLOW_TRACKING_URI: `http://127.0.0.1:${await freePort()}`,
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
    }
    const run = (p: Params) => runEvaluate(p, { tf: loaded.tf, env, log: quiet })
    const failure = run(params())
    await expect(failure).rejects.toThrow(MlflowError)
    await expect(failure).rejects.toThrow(
      /^MLflow GET \/api\/2\.0\/mlflow\/registered-models\/alias failed: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/
    )
    // nothing written: the previous reports stand
    expect(readFileSync(join(reportsDir(), 'metrics.json')).equals(before)).toBe(true)

    // registration off: no lookup at all
    const off = await run(params(['register.enabled=false']))
    expect(off.report.champion).toBeNull()
    expect(Object.keys(off.report.models)).not.toContain(CHAMPION_NAME)
  }, 60_000)
})
