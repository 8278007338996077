import { randomBytes } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import { MlflowClient, proxyPath, connectionTo, MlflowError, type Metric } from '@fcv/core'

// Against the real `mlflow server` the global setup started; every test uses its own names.

const client = new MlflowClient(connectionTo(inject('mlflowUri'), {}))
const unique = (what: string) => `${what}-${Date.now()}-${randomBytes(3).toString('hex')}`

describe('MlflowClient against a real MLflow server', { timeout: 60_000 }, () => {
  it('gets or creates an experiment, once, and restores a deleted one', async () => {
    const name = unique('exp')
    const a = await client.getOrCreateExperiment(name)
    const b = await client.getOrCreateExperiment(name)
    expect(b.experiment_id).toBe(a.experiment_id)
    expect(a.artifact_location).toBe(`mlflow-artifacts:/${a.experiment_id}`)
    const res = await fetch(`${client.trackingUri}/api/2.0/mlflow/experiments/delete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ experiment_id: a.experiment_id }),
    })
    expect(res.status).toBe(200)
    expect((await client.getExperimentByName(name))?.lifecycle_stage).toBe('deleted')
    const c = await client.getOrCreateExperiment(name)
    expect(c.experiment_id).toBe(a.experiment_id)
    expect((await client.getExperimentByName(name))?.lifecycle_stage).toBe('active')
  })

  it('logs batches beyond the per-request limits in chunks, and ends the run', async () => {
    const exp = await client.getOrCreateExperiment(unique('batch'))
    const run = await client.createRun(exp.experiment_id, 'chunked', [
      { key: 'mlflow.user', value: 'test' },
    ])
    expect(run.status).toBe('RUNNING')
    const params = Array.from({ length: 250 }, (_, i) => ({ key: `p.${i}`, value: String(i) }))
    const tags = Array.from({ length: 150 }, (_, i) => ({ key: `t.${i}`, value: `v${i}` }))
    const metrics: Metric[] = Array.from({ length: 2500 }, (_, i) => ({
      key: 'curve',
      value: i / 10,
      timestamp: 1_700_000_000_000 + i,
      step: i,
    }))
    const repairs = await client.logBatch(run.run_id, { params, metrics, tags })
    expect(repairs).toEqual({ truncatedParams: [], truncatedTags: [], droppedMetrics: [] })
    const got = await client.getRun(run.run_id)
    expect(got.data.params).toHaveLength(250)
    expect(got.data.tags?.filter((t) => t.key.startsWith('t.'))).toHaveLength(150)
    const history = await client.metricHistory(run.run_id, 'curve')
    expect(history).toHaveLength(2500)
    expect(history.map((h) => h.step).sort((x, y) => x - y)).toEqual(metrics.map((m) => m.step))
    await client.updateRun(run.run_id, 'FINISHED')
    const done = await client.getRun(run.run_id)
    expect(done.info.status).toBe('FINISHED')
    expect(Number(done.info.end_time)).toBeGreaterThanOrEqual(Number(done.info.start_time))
  })

  it('uploads, lists and downloads artifacts byte for byte through the proxy', async () => {
    const exp = await client.getOrCreateExperiment(unique('artifacts'))
    const run = await client.createRun(exp.experiment_id, 'files', [])
    const big = new Uint8Array(randomBytes(3_000_000))
    const odd = new TextEncoder().encode('naïve, spaced & plus+ name\n')
    await client.uploadArtifact(run.artifact_uri, 'model/weights.bin', big)
    await client.uploadArtifact(run.artifact_uri, 'model/sub dir/a+b é.txt', odd)
    expect(await client.listArtifacts(run.artifact_uri, 'model')).toEqual([
      { path: 'model/sub dir', is_dir: true },
      { path: 'model/weights.bin', is_dir: false, file_size: big.length },
    ])
    expect(await client.downloadArtifact(run.artifact_uri, 'model/weights.bin')).toEqual(big)
    expect(await client.downloadArtifact(run.artifact_uri, 'model/sub dir/a+b é.txt')).toEqual(odd)
    await expect(client.downloadArtifact(run.artifact_uri, 'model/nope.bin')).rejects.toMatchObject(
      {
        name: 'MlflowError',
        status: 404,
      }
    )
  })

  it('registers versions with tags and moves an alias between them', async () => {
    const exp = await client.getOrCreateExperiment(unique('registry'))
    const run = await client.createRun(exp.experiment_id, 'reg', [])
    const lm = await client.createLoggedModel(exp.experiment_id, 'model', 'tfjs-layers', run.run_id)
    await client.uploadArtifact(lm.artifact_uri, 'model.json', new TextEncoder().encode('{}'))
    await client.finalizeLoggedModel(lm.model_id, true)
    expect((await client.getLoggedModel(lm.model_id)).status).toBe('LOGGED_MODEL_READY')
    const name = unique('model')
    await client.getOrCreateRegisteredModel(name, 'first')
    expect((await client.getOrCreateRegisteredModel(name, 'second')).description).toBe('first')
    const source = lm.artifact_uri
    const v1 = await client.createModelVersion({
      name,
      source,
      runId: run.run_id,
      modelId: lm.model_id,
    })
    const v2 = await client.createModelVersion({
      name,
      source,
      runId: run.run_id,
      modelId: lm.model_id,
      tags: [{ key: 'metric.gini', value: '0.8' }],
    })
    expect([v1.version, v2.version]).toEqual(['1', '2'])
    await client.setModelVersionTag(name, '1', 'note', 'first one')
    expect((await client.getModelVersion(name, '1')).tags).toEqual([
      { key: 'note', value: 'first one' },
    ])
    expect(await client.getVersionByAlias(name, 'challenger')).toBeNull()
    await client.setAlias(name, 'challenger', '1')
    expect((await client.getVersionByAlias(name, 'challenger'))?.version).toBe('1')
    await client.setAlias(name, 'challenger', '2')
    const now = await client.getVersionByAlias(name, 'challenger')
    expect(now?.version).toBe('2')
    expect(now?.tags).toEqual([{ key: 'metric.gini', value: '0.8' }])
    expect(
      (await client.searchModelVersions(`name='${name}'`)).map((v) => v.version).sort()
    ).toEqual(['1', '2'])
    await client.deleteAlias(name, 'challenger')
    expect(await client.getVersionByAlias(name, 'challenger')).toBeNull()
    await client.deleteModelVersion(name, '1')
    expect((await client.searchModelVersions(`name='${name}'`)).map((v) => v.version)).toEqual([
      '2',
    ])
  })

  it('names the call and the server error code when a call fails', async () => {
    const err = await client.getRun('0123456789abcdef0123456789abcdef').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(MlflowError)
    expect(err).toMatchObject({
      status: 404,
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      call: 'GET /api/2.0/mlflow/runs/get',
    })
    expect((err as Error).message).toMatch(
      /^MLflow GET \/api\/2\.0\/mlflow\/runs\/get failed: HTTP 404 RESOURCE_DOES_NOT_EXIST: /
    )
    const exp = await client.getOrCreateExperiment(unique('params'))
    const run = await client.createRun(exp.experiment_id, 'write-once', [])
    await client.logBatch(run.run_id, { params: [{ key: 'k', value: 'a' }], metrics: [], tags: [] })
    await expect(
      client.logBatch(run.run_id, { params: [{ key: 'k', value: 'b' }], metrics: [], tags: [] })
    ).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE',
      call: 'POST /api/2.0/mlflow/runs/log-batch',
    })
  })
})

describe('proxyPath', () => {
  it('maps proxied artifact roots, with or without a host, and refuses other stores', () => {
    expect(proxyPath('mlflow-artifacts:/1/abc/artifacts', 'model/a b.txt')).toBe(
      '1/abc/artifacts/model/a%20b.txt'
    )
    expect(proxyPath('mlflow-artifacts://h:5000/1/abc/artifacts/', '/x')).toBe('1/abc/artifacts/x')
    expect(() => proxyPath('s3://bucket/1/abc', 'x')).toThrow(
      /not served by the tracking server's artifact proxy/
    )
    expect(() => proxyPath('mlflow-artifacts:/1/abc', '../x')).toThrow(/"\.\." segment/)
  })
})
