import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { MlflowClient, connectionTo } from '@fcv/core'
import { venvPython } from '../mlflow/test-server.ts'
import { trainedPipeline, type PipelineFixture } from './pipeline-fixture.ts'
import { runRegister, type Registration } from './index.ts'
import { fileMd5 } from './provenance.ts'

// The whole register flow against a real MLflow server, then read back with MLflow's own Python
// client (mlflow.MlflowClient, mlflow.artifacts): what a real MLflow user would see.

const uri = inject('mlflowUri')
let fx: PipelineFixture
let reg: Extract<Registration, { status: 'registered' }>
let back: {
  version: {
    name: string
    version: string
    run_id: string
    source: string
    tags: Record<string, string>
    aliases: string[]
    status: string
  }
  run: {
    status: string
    run_name: string
    experiment: string
    params: Record<string, string>
    metrics: Record<string, number>
    tags: Record<string, string>
    history: Record<string, { step: number; value: number }[]>
    datasets: { name: string; digest: string; source_type: string; context: string }[]
    outputs: string[]
  }
  run_artifacts: { path: string; size: number }[]
  run_dir: string
  model_dir: string
  model_files: string[]
}
const log: string[] = []
const modelName = `fcv-test-${randomBytes(4).toString('hex')}`

beforeAll(async () => {
  fx = await trainedPipeline()
  const params = fx.params([`register.model_name=${modelName}`, `register.experiment=${modelName}`])
  const r = await runRegister(params, {
    client: new MlflowClient(connectionTo(uri, {})),
    log: (l) => log.push(l),
  })
  if (r.status !== 'registered') throw new Error('not registered')
  reg = r
  const out = mkdtempSync(join(tmpdir(), 'fcv-readback-'))
  const json = execFileSync(
    venvPython(),
    [join(import.meta.dirname, 'read-back.py'), modelName, 'challenger', out],
    {
      env: { ...process.env, MLFLOW_TRACKING_URI: uri },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }
  )
  back = JSON.parse(json)
}, 240_000)

describe('fcv register, read back with MLflow’s Python client', () => {
  it('finds the version by the alias "challenger", from this run, READY', () => {
    expect(back.version).toMatchObject({
      name: modelName,
      version: reg.version,
      run_id: reg.run_id,
      status: 'READY',
      aliases: ['challenger'],
    })
    expect(back.version.source).toMatch(
      new RegExp(`^mlflow-artifacts:/\\d+/models/${reg.model_id}/artifacts$`)
    )
    const written = JSON.parse(readFileSync(join(fx.work, 'registration.json'), 'utf8'))
    expect(written).toEqual(reg)
  })

  it('has a FINISHED run with every param, as params.yaml resolved', () => {
    const p = fx.params()
    expect(back.run.status).toBe('FINISHED')
    expect(back.run.experiment).toBe(modelName)
    expect(back.run.params['train.hidden']).toBe('[32,16]')
    expect(back.run.params['train.ensemble']).toBe('10')
    expect(back.run.params['train.max_epochs']).toBe('4')
    expect(back.run.params['features.test_cutoff']).toBe(p.features.test_cutoff)
    expect(back.run.params['data.columns.amount']).toBe('null')
    expect(back.run.params['register.model_name']).toBe(modelName)
    expect(Object.keys(back.run.params).length).toBeGreaterThan(50)
  })

  it('has every evaluation metric of the model and the baselines, and the training curve', () => {
    const report = JSON.parse(readFileSync(join(fx.work, 'reports/metrics.json'), 'utf8'))
    let n = 0
    for (const [model, metrics] of Object.entries(
      report.models as Record<string, Record<string, number>>
    )) {
      for (const [k, v] of Object.entries(metrics)) {
        expect(back.run.metrics[`${model}/${k}`], `${model}/${k}`).toBeCloseTo(v, 12)
        n++
      }
    }
    expect(n).toBeGreaterThan(80)
    const training = JSON.parse(readFileSync(join(fx.work, 'model/training.json'), 'utf8'))
    const loss = back.run.history['train/loss']!.sort((a, b) => a.step - b.step)
    expect(loss.map((m) => m.step)).toEqual(training.epochs.map((e: { epoch: number }) => e.epoch))
    expect(loss.map((m) => m.value)).toEqual(training.epochs.map((e: { loss: number }) => e.loss))
    expect(back.run.history['train/val_loss']).toHaveLength(training.epochs.length)
  })

  it('tags the run with the standard MLflow tags, spec version, backend, data digest and commit', async () => {
    const t = back.run.tags
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim()
    expect(t['mlflow.runName']).toBe(back.run.run_name)
    expect(t['mlflow.user']).toBeTruthy()
    expect(t['mlflow.source.name']).toBe('fcv register')
    expect(t['mlflow.source.type']).toMatch(/^(LOCAL|JOB)$/)
    expect(t['mlflow.source.git.commit']).toBe(head)
    expect(t['fcv.git.commit']).toBe(head)
    expect(t['mlflow.note.content']).toContain('| **ziln** |')
    expect(t['fcv.feature_spec.version']).toBe('v2')
    expect(t['fcv.backend']).toMatch(/^(tensorflow|cpu)$/)
    const md5 = await fileMd5(fx.params().data.path)
    expect(t['fcv.data.md5']).toBe(md5)
    // ... which is the hash DVC keeps for the same file in dvc.lock
    expect(readFileSync(join(import.meta.dirname, '../../../dvc.lock'), 'utf8')).toContain(
      `md5: ${md5}`
    )
    expect(back.run.datasets).toEqual([
      {
        name: 'online_retail_ii_sample.csv.gz',
        digest: md5,
        source_type: 'local',
        context: 'training',
      },
    ])
    expect(back.run.outputs).toEqual([reg.model_id])
  })

  it('tags the version with its key metrics, baselines and provenance', () => {
    const report = JSON.parse(readFileSync(join(fx.work, 'reports/metrics.json'), 'utf8'))
    const tags = back.version.tags
    expect(Number(tags['metric.gini'])).toBe(report.models.ziln.gini)
    expect(Number(tags['metric.rmse'])).toBe(report.models.ziln.rmse)
    expect(Number(tags['metric.sum_ratio'])).toBe(report.models.ziln.sum_ratio)
    expect(Number(tags['baseline.last_90d.gini'])).toBe(report.models.last_90d.gini)
    expect(tags['fcv.feature_spec.version']).toBe('v2')
    expect(tags['fcv.data.md5']).toBe(back.run.tags['fcv.data.md5'])
    // The days the model is calibrated for, as model.json says: the control plane's gate reads them.
    const meta = JSON.parse(readFileSync(join(fx.work, 'model/model.json'), 'utf8'))
      .userDefinedMetadata.fcv
    expect(tags['fcv.calibrated_window.from']).toBe(report.test_cutoff)
    expect(tags['fcv.calibrated_window.to']).toBe(meta.calibratedWindow.to)
    expect(tags['fcv.calibrated_window.level_adjusted']).toBe(
      String(meta.calibratedWindow.levelAdjusted)
    )
  })

  it('stores the reports and plots byte for byte', () => {
    const paths = back.run_artifacts.map((a) => a.path).sort()
    expect(paths).toEqual(
      [
        'data/features-schema.json',
        'data/ingest-report.json',
        'reports/metrics.json',
        'reports/plots/deciles.csv',
        'reports/plots/deciles.svg',
        'reports/plots/gains.csv',
        'reports/plots/gains.svg',
        'reports/plots/training.csv',
        'reports/plots/training.svg',
        'reports/predictions.csv',
        'reports/report.html',
      ].sort()
    )
    for (const p of paths.filter((x) => x.startsWith('reports/'))) {
      const local = readFileSync(join(fx.work, p))
      expect(readFileSync(join(back.run_dir, p)).equals(local), p).toBe(true)
    }
    expect(
      readFileSync(join(back.run_dir, 'data/ingest-report.json')).equals(
        readFileSync(join(fx.work, 'interim/ingest-report.json'))
      )
    ).toBe(true)
  })

  it('stores the model files byte for byte, with an MLmodel for the tfjs flavor', () => {
    expect(back.model_files).toEqual(
      expect.arrayContaining([
        'MLmodel',
        'feature_spec.json',
        'model.json',
        'training.json',
        'weights.bin',
      ])
    )
    for (const f of ['model.json', 'weights.bin', 'training.json']) {
      expect(
        readFileSync(join(back.model_dir, f)).equals(readFileSync(join(fx.work, 'model', f))),
        f
      ).toBe(true)
    }
    const modelJson = JSON.parse(readFileSync(join(fx.work, 'model/model.json'), 'utf8'))
    const meta = modelJson.userDefinedMetadata.fcv
    expect(JSON.parse(readFileSync(join(back.model_dir, 'feature_spec.json'), 'utf8'))).toEqual(
      meta.featureSpec
    )
    const mlmodel = parseYaml(readFileSync(join(back.model_dir, 'MLmodel'), 'utf8'))
    expect(mlmodel.flavors.tfjs).toMatchObject({
      format: 'layers-model',
      model_json: 'model.json',
      weights: ['weights.bin'],
      tfjs_version: '4.22.0',
    })
    expect(mlmodel.run_id).toBe(reg.run_id)
    expect(mlmodel.model_id).toBe(reg.model_id)
    expect(mlmodel.mlflow_version).toBe('3.17.2')
    const inputs = JSON.parse(mlmodel.signature.inputs)
    expect(inputs[0]['tensor-spec']).toEqual({ dtype: 'float32', shape: [-1, meta.encoding.width] })
    expect(mlmodel.metadata.input_columns).toHaveLength(meta.encoding.width)
    expect(mlmodel.metadata.feature_names).toEqual(
      meta.featureSpec.features.map((f: { name: string }) => f.name)
    )
  })

  it('announces the candidate to the control plane when one is configured', async () => {
    const calls: { url: string; auth: string | undefined }[] = []
    const server = createServer((req, res) => {
      calls.push({ url: req.url ?? '', auth: req.headers.authorization })
      res.writeHead(req.headers.authorization === 'Bearer pub-token' ? 200 : 401).end('{}')
    })
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
    try {
      const params = fx.params([
        `register.model_name=${modelName}`,
        `register.experiment=${modelName}`,
      ])
      const client = new MlflowClient(connectionTo(uri, {}))
      const ok = await runRegister(params, {
        client,
        log: () => {},
        env: { FCV_CONTROL_PLANE_URL: base, FCV_CONTROL_PLANE_TOKEN: 'pub-token' },
      })
      expect(ok).toMatchObject({
        announced: { ok: true, url: `${base}/v1/models/${modelName}/sync` },
      })
      expect(calls).toEqual([{ url: `/v1/models/${modelName}/sync`, auth: 'Bearer pub-token' }])
      const lines: string[] = []
      const refused = await runRegister(params, {
        client,
        log: (l) => lines.push(l),
        env: { FCV_CONTROL_PLANE_URL: base, FCV_CONTROL_PLANE_TOKEN: 'wrong' },
      })
      // Registered all the same; the announcement's failure is reported, not fatal.
      expect(refused).toMatchObject({
        status: 'registered',
        announced: { ok: false, detail: expect.stringMatching(/^HTTP 401/) },
      })
      expect(lines.some((l) => l.includes('the control plane did not take the announcement'))).toBe(
        true
      )
    } finally {
      server.close()
    }
  }, 60_000)

  it('moves "challenger" to the next registration, one run per execution', async () => {
    const params = fx.params([
      `register.model_name=${modelName}`,
      `register.experiment=${modelName}`,
    ])
    const client = new MlflowClient(connectionTo(uri, {}))
    const second = await runRegister(params, { client, log: () => {} })
    expect(second.status).toBe('registered')
    if (second.status !== 'registered') return
    expect(Number(second.version)).toBeGreaterThan(Number(reg.version))
    expect(second.run_id).not.toBe(reg.run_id)
    expect((await client.getVersionByAlias(modelName, 'challenger'))?.version).toBe(second.version)
  }, 60_000)
})
