import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { cp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import {
  CHANNELS,
  MlflowClient,
  MlflowError,
  championAlias,
  connectionTo,
  type Channel,
} from '@fcv/core'
import { runFeatures } from '../features/index.ts'
import { freePort } from '../mlflow/test-server.ts'
import { loadTensorFlow, type LoadedTensorFlow } from '../model/backend.ts'
import { runTrain } from '../model/index.ts'
import type { Params } from '../params/schema.ts'
import { runRegister, type Registration } from '../register/index.ts'
import { trainedPipeline, type PipelineFixture } from '../register/pipeline-fixture.ts'
import { championModelName } from './channel-champions.ts'
import { MODEL_NAME, runEvaluate, type MetricsReport } from './index.ts'
import { parsePlotCsv } from './report-html.ts'

// evaluate against each channel's champion, with a real MLflow server: none yet, only the legacy
// model-wide alias (not scored), the candidate's own model on both channels (the same numbers, loaded
// once), a champion trained otherwise on one channel and the first model on the other (each its own
// numbers, each tagged on the next registration), one of another spec version (failed, not fatal),
// missing files, and no server.

const uri = inject('mlflowUri')
const modelName = `fcv-champion-${randomBytes(4).toString('hex')}`
const quiet = () => {}
const EDGE = championModelName('edge')
const WIDGET = championModelName('widget')
let fx: PipelineFixture
let loaded: LoadedTensorFlow

/** A client that counts the artifacts evaluate downloads, to see a version loaded once. */
class CountingClient extends MlflowClient {
  downloads: string[] = []
  override async downloadArtifact(artifactUri: string, path: string): Promise<Uint8Array> {
    this.downloads.push(`${artifactUri}/${path}`)
    return await super.downloadArtifact(artifactUri, path)
  }
}
let client: CountingClient

function params(extra: string[] = []): Params {
  return fx.params([
    `register.model_name=${modelName}`,
    `register.experiment=${modelName}`,
    ...extra,
  ])
}

async function evaluate(p: Params = params()) {
  const lines: string[] = []
  client.downloads = []
  const { report } = await runEvaluate(p, { tf: loaded.tf, client, log: (l) => lines.push(l) })
  return { report, lines, downloads: client.downloads }
}

async function register(p: Params = params()) {
  const r = await runRegister(p, { client, log: quiet })
  if (r.status !== 'registered') throw new Error('not registered')
  return r
}

async function versionTags(version: string): Promise<Record<string, string>> {
  const v = await client.getModelVersion(modelName, version)
  return Object.fromEntries((v.tags ?? []).map((t) => [t.key, t.value]))
}

async function setChampions(versions: Record<Channel, string>) {
  for (const c of CHANNELS) await client.setAlias(modelName, championAlias(c), versions[c])
}

const reportsDir = () => join(fx.work, 'reports')
const onDisk = (dir = reportsDir()) =>
  JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as MetricsReport
const championLines = (lines: string[]) =>
  lines.filter((l) => l.startsWith('evaluate: ') && l.includes('champion'))
const metricsOf = (report: MetricsReport, name: string) =>
  report.models[name] as unknown as Record<string, number>
const ref = (r: Registration & { status: 'registered' }) => ({
  model_name: modelName,
  version: r.version,
  run_id: r.run_id,
})

let first: Extract<Registration, { status: 'registered' }>
let third: Extract<Registration, { status: 'registered' }>

beforeAll(async () => {
  fx = await trainedPipeline()
  loaded = await loadTensorFlow()
  client = new CountingClient(connectionTo(uri, {}))
}, 240_000)

describe('fcv evaluate against each channel’s champion', () => {
  it('says so in one line per channel and records no champion when none has been promoted', async () => {
    const none = await evaluate()
    expect(none.report.champions).toEqual({ edge: null, widget: null })
    expect(Object.keys(none.report.models).filter((m) => m.startsWith('champion'))).toEqual([])
    expect(championLines(none.lines)).toEqual(
      CHANNELS.map(
        (c) =>
          `evaluate: no ${c} champion to compare with: no registered model "${modelName}" yet ` +
          `at ${client.trackingUri}`
      )
    )
    expect(onDisk()).toMatchObject({ champions: { edge: null, widget: null } })
    expect(onDisk()).not.toHaveProperty('champion')

    first = await register()
    const unaliased = await evaluate()
    expect(unaliased.report.champions).toEqual({ edge: null, widget: null })
    expect(championLines(unaliased.lines)).toEqual(
      CHANNELS.map(
        (c) =>
          `evaluate: no ${c} champion to compare with: registered model "${modelName}" has no ` +
          `"champion-${c}" alias yet at ${client.trackingUri}`
      )
    )
  }, 60_000)

  it('does not score the legacy model-wide champion alias, and says why once', async () => {
    await client.setAlias(modelName, 'champion', first.version)
    const { report, lines, downloads } = await evaluate()
    expect(report.champions).toEqual({ edge: null, widget: null })
    expect(Object.keys(report.models).filter((m) => m.startsWith('champion'))).toEqual([])
    expect(downloads).toEqual([])
    const legacy = lines.filter((l) => l.includes('legacy'))
    expect(legacy).toEqual([
      `evaluate: registered model "${modelName}" has only the legacy model-wide "champion" alias ` +
        `(version ${first.version}), which is not scored: each channel has its own champion ` +
        '("champion-edge", "champion-widget"), and the control plane sets them in its place when it starts',
    ])
    expect(championLines(lines)).toHaveLength(3) // one per channel, and the legacy alias
  }, 60_000)

  it('loads a version that is both channels’ champion once and reports it for each', async () => {
    await setChampions({ edge: first.version, widget: first.version })
    const { report, lines, downloads } = await evaluate()
    const source = `mlflow-artifacts:/${first.experiment_id}/models/${first.model_id}/artifacts`
    expect(championLines(lines)).toEqual([
      `evaluate: edge champion is ${modelName} version ${first.version} (${source})`,
      `evaluate: widget champion is ${modelName} version ${first.version} (${source}), as for ` +
        'edge: loaded and scored once',
    ]) // and no word of the legacy alias, still set, once the channels have theirs
    expect(downloads).toEqual([`${source}/model.json`, `${source}/weights.bin`])
    expect(report.champions).toEqual({ edge: ref(first), widget: ref(first) })
    expect(Object.keys(report.models).slice(0, 4)).toEqual([MODEL_NAME, EDGE, WIDGET, 'zero'])
    // Same files, same rows: features recomputed from the histories with the model's own spec and
    // fit give the very numbers the feature stage wrote, so every metric is identical.
    expect(report.models[EDGE]).toEqual(report.models[MODEL_NAME])
    expect(report.models[WIDGET]).toEqual(report.models[MODEL_NAME])
    expect(onDisk()).toEqual(report)

    const gains = parsePlotCsv(await readFile(join(reportsDir(), 'plots/gains.csv'), 'utf8'))
    for (const name of [EDGE, WIDGET])
      expect(gains.map((g) => g[name])).toEqual(gains.map((g) => g[MODEL_NAME]))
    const deciles = parsePlotCsv(await readFile(join(reportsDir(), 'plots/deciles.csv'), 'utf8'))
    for (const name of [EDGE, WIDGET]) {
      expect(deciles.map((d) => d[`${name}_predicted`])).toEqual(
        deciles.map((d) => d[`${MODEL_NAME}_predicted`])
      )
    }
    const html = readFileSync(join(reportsDir(), 'report.html'), 'utf8')
    expect(html).toContain(`<th scope="row">${EDGE}</th>`)
    expect(html).toContain(`<th scope="row">${WIDGET}</th>`)
    expect(html).toContain(
      `Champion: <b>edge: ${modelName} version ${first.version}, widget: ${modelName} version ${first.version}</b>`
    )
    const svg = readFileSync(join(reportsDir(), 'plots/gains.svg'), 'utf8')
    expect(svg).toContain(EDGE)
    expect(svg).toContain(WIDGET)
  }, 60_000)

  it('logs each champion’s metrics with the next registration and tags the new version per channel', async () => {
    const report = onDisk()
    const edge = metricsOf(report, EDGE)
    const second = await register()
    const run = await client.getRun(second.run_id)
    const metric = (key: string) => run.data.metrics?.find((m) => m.key === key)?.value
    for (const name of [EDGE, WIDGET]) {
      expect(metric(`${name}/gini`)).toBeCloseTo(edge['gini']!, 12)
      expect(metric(`${name}/rmse`)).toBeCloseTo(edge['rmse']!, 12)
    }
    const tags = await versionTags(second.version)
    for (const c of CHANNELS) {
      expect(tags[`champion.${c}.version`]).toBe(first.version)
      expect(Number(tags[`champion.${c}.gini`])).toBe(edge['gini'])
      expect(Number(tags[`champion.${c}.rmse`])).toBe(edge['rmse'])
      expect(tags[`champion.${c}.gini`]).toBe(tags['metric.gini']) // the same model, again
    }
    expect(Object.keys(tags).filter((k) => /^champion\.[a-z0-9_]+$/.test(k))).toEqual([])
  }, 60_000)

  it('scores different champions per channel, each with its own spec, encoding, fit and tags', async () => {
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
    // Its own evaluation, with version 1 (the first model) as both champions: that model's numbers.
    const own = (await evaluate(other)).report
    expect(own.models[EDGE]).toEqual(onDisk().models[MODEL_NAME])
    third = await register(other)
    await setChampions({ edge: third.version, widget: first.version })

    const { report, lines, downloads } = await evaluate()
    expect(championLines(lines)).toEqual([
      expect.stringMatching(
        `^evaluate: edge champion is ${modelName} version ${third.version} \\(`
      ),
      expect.stringMatching(
        `^evaluate: widget champion is ${modelName} version ${first.version} \\(`
      ),
    ])
    expect(downloads).toHaveLength(4) // two versions, two files each
    expect(report.champions).toEqual({ edge: ref(third), widget: ref(first) })
    // Scored on the first model's test rows, from histories, with its own spec: its own numbers.
    expect(report.models[EDGE]).toEqual(own.models[MODEL_NAME])
    expect(report.models[EDGE]).not.toEqual(report.models[MODEL_NAME])
    expect(report.models[WIDGET]).toEqual(report.models[MODEL_NAME])
    expect(Object.keys(report.models).slice(0, 3)).toEqual([MODEL_NAME, EDGE, WIDGET])
    const gains = parsePlotCsv(await readFile(join(reportsDir(), 'plots/gains.csv'), 'utf8'))
    expect(gains.map((g) => g[EDGE])).not.toEqual(gains.map((g) => g[WIDGET]))
    expect(readFileSync(join(reportsDir(), 'report.html'), 'utf8')).toContain(
      `Champion: <b>edge: ${modelName} version ${third.version}, widget: ${modelName} version ${first.version}</b>`
    )

    const tags = await versionTags((await register()).version)
    const edge = metricsOf(report, EDGE)
    const widget = metricsOf(report, WIDGET)
    expect(tags['champion.edge.version']).toBe(third.version)
    expect(tags['champion.widget.version']).toBe(first.version)
    for (const k of ['gini', 'rmse', 'mae', 'sum_ratio', 'decile_mape', 'auc', 'spearman']) {
      expect(Number(tags[`champion.edge.${k}`])).toBe(edge[k])
      expect(Number(tags[`champion.widget.${k}`])).toBe(widget[k])
    }
    expect(tags['champion.edge.gini']).not.toBe(tags['champion.widget.gini'])
  }, 180_000)

  it('records a champion of a feature spec this fcv does not compute as failed, on its channel only', async () => {
    const old = join(fx.work, 'model-v0')
    await cp(join(fx.work, 'model'), old, { recursive: true })
    const json = JSON.parse(await readFile(join(old, 'model.json'), 'utf8'))
    json.userDefinedMetadata.fcv.featureSpec.version = 'v0'
    await writeFile(join(old, 'model.json'), JSON.stringify(json))
    const v0 = await register(params([`train.out_dir=${old}`]))
    await setChampions({ edge: v0.version, widget: first.version })

    const { report, lines } = await evaluate()
    const error =
      `${modelName} version ${v0.version} was trained on feature spec v0; this fcv computes v2, ` +
      'so it cannot be scored as it serves'
    expect(report.champions).toMatchObject({
      edge: { version: v0.version },
      widget: { version: first.version },
    })
    expect(report.models[EDGE]).toEqual({ error })
    expect(report.models[WIDGET]).toEqual(report.models[MODEL_NAME])
    expect(lines).toContain(`evaluate: the edge champion could not be scored: ${error}`)
    expect(report.models[MODEL_NAME]).toHaveProperty('gini')
    const header = readFileSync(join(reportsDir(), 'plots/gains.csv'), 'utf8').split('\n')[0]
    expect(header).not.toContain(EDGE)
    expect(header).toContain(WIDGET)
    expect(readFileSync(join(reportsDir(), 'report.html'), 'utf8')).toContain(
      '<strong>failed</strong>: '
    )
    // the next version says which edge champion it was compared with, and no numbers for it
    const tags = await versionTags((await register()).version)
    expect(Object.keys(tags).filter((k) => k.startsWith('champion.edge.'))).toEqual([
      'champion.edge.version',
    ])
    expect(tags['champion.edge.version']).toBe(v0.version)
    expect(tags['champion.widget.gini']).toBe(tags['metric.gini'])
  }, 90_000)

  it('records a champion whose model files are missing as failed, for each channel it serves', async () => {
    const run = await client.getRun(first.run_id)
    const source = `${run.info.artifact_uri}/no-model-here`
    const empty = await client.createModelVersion({ name: modelName, source, runId: first.run_id })
    await setChampions({ edge: empty.version, widget: empty.version })
    const { report, lines, downloads } = await evaluate()
    expect(downloads).toEqual([`${source}/model.json`]) // the one attempt, for both channels
    expect(report.champions).toMatchObject({
      edge: { version: empty.version },
      widget: { version: empty.version },
    })
    const error = `${modelName} version ${empty.version} has no model.json at ${source}`
    expect(report.models[EDGE]).toEqual({ error })
    expect(report.models[WIDGET]).toEqual({ error })
    expect(lines.filter((l) => l.includes('could not be scored'))).toEqual([
      `evaluate: the edge and widget champion could not be scored: ${error}`,
    ])
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

    // registration off: no lookup at all (the server above would fail it)
    const off = await run(params(['register.enabled=false']))
    expect(off.report.champions).toEqual({ edge: null, widget: null })
    expect(Object.keys(off.report.models).filter((m) => m.startsWith('champion'))).toEqual([])
  }, 60_000)
})
