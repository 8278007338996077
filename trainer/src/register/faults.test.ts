import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createServer as createHttpServer } from 'node:http'
import { createServer as createTcpServer, type Socket } from 'node:net'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { MlflowClient, connectionTo, type MlflowConnection } from '@fcv/core'
import { startFaultProxy, type Fault } from '../mlflow/fault-proxy.ts'
import { freePort, startBasicAuthServer } from '../mlflow/test-server.ts'
import type { RunningServer } from '../mlflow/embedded-server.ts'
import { trainedPipeline, ROOT, type PipelineFixture } from './pipeline-fixture.ts'
import { runRegister } from './index.ts'

// Faults and bad input around registration, against real MLflow servers (a plain one and one with
// MLflow's basic-auth app), with faults injected by a loopback proxy in front of the real server.

const uri = inject('mlflowUri')
const direct = new MlflowClient(connectionTo(uri, {}))
const fast = (url: string, extra: Partial<MlflowConnection> = {}, log?: string[]): MlflowClient =>
  new MlflowClient(
    { ...connectionTo(url, {}), maxRetries: 2, backoffMs: 10, ...extra },
    { onRetry: (call, attempt, _ms, reason) => log?.push(`${call}: ${reason}, retry ${attempt}`) }
  )
const unique = () => `fcv-fault-${randomBytes(4).toString('hex')}`
let fx: PipelineFixture

beforeAll(async () => {
  fx = await trainedPipeline()
}, 240_000)

/** Params registering under fresh names, with a fresh registration record path. */
function fresh(extra: string[] = []) {
  const name = unique()
  const outFile = join(fx.work, `${name}.json`)
  const params = fx.params([
    `register.model_name=${name}`,
    `register.experiment=${name}`,
    `register.out_file=${outFile}`,
    ...extra,
  ])
  return { name, outFile, params }
}

/** The runs of an experiment, by the real server. */
async function runsOf(experiment: string) {
  const exp = await direct.getExperimentByName(experiment)
  if (!exp) return []
  const res = await fetch(`${uri}/api/2.0/mlflow/runs/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ experiment_ids: [exp.experiment_id] }),
  })
  const body = (await res.json()) as { runs?: { info: { run_id: string; status: string } }[] }
  return body.runs ?? []
}

describe('registration faults', { timeout: 120_000 }, () => {
  it('server down: a clear error after the retries, and nothing registered', async () => {
    const { outFile, params } = fresh()
    const port = await freePort() // nothing listens there
    const log: string[] = []
    const client = fast(`http://127.0.0.1:${port}`, {}, log)
    const err = await runRegister(params, { client, log: (l) => log.push(l) }).catch(
      (e: Error) => e
    )
    expect(err).toMatchObject({ name: 'MlflowError' })
    expect((err as Error).message).toMatch(
      new RegExp(
        `^MLflow GET /version failed: cannot reach http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\) after 3 attempts$`
      )
    )
    expect(log).toEqual([
      'GET /version: ECONNREFUSED, retry 1',
      'GET /version: ECONNREFUSED, retry 2',
    ])
    expect(existsSync(outFile)).toBe(false)
  })

  it('server unreachable (accepts, never answers): times out per request, then fails', async () => {
    const sockets: Socket[] = []
    const silent = createTcpServer((s) => sockets.push(s))
    await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok))
    const { port } = silent.address() as { port: number }
    try {
      const { outFile, params } = fresh()
      const client = fast(`http://127.0.0.1:${port}`, { maxRetries: 1, timeoutMs: 300 })
      await expect(runRegister(params, { client, log: () => {} })).rejects.toThrow(
        /no answer from http:\/\/127\.0\.0\.1:\d+ \(timed out\) after 2 attempts$/
      )
      expect(existsSync(outFile)).toBe(false)
    } finally {
      for (const s of sockets) s.destroy()
      silent.close()
    }
  })

  it('server gone in the middle: fails, says the run could not be closed, registers nothing', async () => {
    const { name, outFile, params } = fresh()
    let runCreated = false
    const proxy = await startFaultProxy(uri, (method, path) => {
      if (runCreated) return 'cut'
      if (path.startsWith('/api/2.0/mlflow/runs/create')) runCreated = true
      return 'pass'
    })
    const log: string[] = []
    try {
      await expect(
        runRegister(params, { client: fast(proxy.url), log: (l) => log.push(l) })
      ).rejects.toThrow(
        /^MLflow POST \/api\/2\.0\/mlflow\/logged-models failed: no answer from http:\/\/127\.0\.0\.1:\d+ \((UND_ERR_SOCKET|ECONNRESET|EPIPE)[^)]*\) after 3 attempts$/
      )
    } finally {
      await proxy.close()
    }
    expect(log.some((l) => /could not mark run \w+ FAILED/.test(l))).toBe(true)
    expect(await direct.searchModelVersions(`name='${name}'`)).toEqual([])
    expect(existsSync(outFile)).toBe(false)
  })

  it('interrupted artifact upload: run FAILED, model UPLOAD_FAILED, no model version', async () => {
    const { name, outFile, params } = fresh()
    const rule = (method: string, path: string): Fault =>
      method === 'PUT' && path.endsWith('/weights.bin') ? 'cut' : 'pass'
    const proxy = await startFaultProxy(uri, rule)
    const log: string[] = []
    try {
      await expect(
        runRegister(params, { client: fast(proxy.url), log: (l) => log.push(l) })
      ).rejects.toThrow(
        /^MLflow PUT \/api\/2\.0\/mlflow-artifacts\/artifacts\/.*\/weights\.bin failed: no answer from .* after 3 attempts/
      )
    } finally {
      await proxy.close()
    }
    expect(proxy.seen.filter((s) => s.startsWith('PUT') && s.endsWith('weights.bin'))).toHaveLength(
      3
    )
    const runs = await runsOf(name)
    expect(runs.map((r) => r.info.status)).toEqual(['FAILED'])
    const modelId = /mark model (m-\w+) UPLOAD_FAILED/.exec(log.join('\n'))?.[1]
    expect(modelId).toBeDefined()
    expect((await direct.getLoggedModel(modelId!)).status).toBe('LOGGED_MODEL_UPLOAD_FAILED')
    expect(await direct.searchModelVersions(`run_id='${runs[0]!.info.run_id}'`)).toEqual([])
    expect(await direct.getRegisteredModel(name)).toBeNull()
    expect(existsSync(outFile)).toBe(false)
  })

  it('a failure after the version was created deletes it again (alias call answers 503)', async () => {
    const { name, outFile, params } = fresh()
    const proxy = await startFaultProxy(uri, (method, path) =>
      method === 'POST' && path.startsWith('/api/2.0/mlflow/registered-models/alias')
        ? { status: 503 }
        : 'pass'
    )
    try {
      await expect(runRegister(params, { client: fast(proxy.url), log: () => {} })).rejects.toThrow(
        /^MLflow POST \/api\/2\.0\/mlflow\/registered-models\/alias failed: HTTP 503 .* \(after 3 attempts\)$/
      )
    } finally {
      await proxy.close()
    }
    expect((await runsOf(name)).map((r) => r.info.status)).toEqual(['FAILED'])
    expect(await direct.searchModelVersions(`name='${name}'`)).toEqual([])
    expect(await direct.getVersionByAlias(name, 'challenger')).toBeNull()
    expect(existsSync(outFile)).toBe(false)
  })

  it('an MLflow 2 server is refused before anything is created', async () => {
    const { outFile, params } = fresh()
    const proxy = await startFaultProxy(uri, (method, path) =>
      path === '/version' ? { status: 200, body: '2.22.0' } : 'pass'
    )
    try {
      await expect(runRegister(params, { client: fast(proxy.url), log: () => {} })).rejects.toThrow(
        /runs version "2\.22\.0"; fcv registers into MLflow 3 or newer/
      )
    } finally {
      await proxy.close()
    }
    expect(proxy.seen).toEqual(['GET /version'])
    expect(existsSync(outFile)).toBe(false)
  })

  it('a param value over the server limit is cut to it and flagged with a tag', async () => {
    const codes = Array.from({ length: 900 }, (_, i) => `CODE${String(i).padStart(4, '0')}`)
    const { name, params } = fresh([`data.exclude_products.codes=${JSON.stringify(codes)}`])
    const log: string[] = []
    const r = await runRegister(params, { client: direct, log: (l) => log.push(l) })
    expect(r.status).toBe('registered')
    const [run] = await runsOf(name)
    const got = await direct.getRun(run!.info.run_id)
    const param = got.data.params?.find((p) => p.key === 'data.exclude_products.codes')
    expect(JSON.stringify(codes).length).toBeGreaterThan(6000)
    expect(param?.value).toBe(JSON.stringify(codes).slice(0, 6000))
    expect(got.data.tags?.find((t) => t.key === 'fcv.params.truncated')?.value).toBe(
      'data.exclude_products.codes'
    )
    expect(
      log.some((l) => l.includes('warning: cut to MLflow’s length limit'.replace('’', "'")))
    ).toBe(true)
  })

  it('NaN or infinite metrics (null in metrics.json) are dropped with a warning and a tag', async () => {
    const reports = join(fx.work, `reports-nan-${randomBytes(3).toString('hex')}`)
    cpSync(join(fx.work, 'reports'), reports, { recursive: true })
    const m = JSON.parse(readFileSync(join(reports, 'metrics.json'), 'utf8'))
    m.models.ziln.spearman = null
    m.models.last_90d.r2 = null
    writeFileSync(join(reports, 'metrics.json'), JSON.stringify(m))
    const { name, params } = fresh([`evaluate.out_dir=${reports}`])
    const log: string[] = []
    await runRegister(params, { client: direct, log: (l) => log.push(l) })
    expect(log.find((l) => l.includes('not logged, not finite'))).toMatch(
      /ziln\/spearman=NaN, last_90d\/r2=NaN/
    )
    const [run] = await runsOf(name)
    const got = await direct.getRun(run!.info.run_id)
    const keys = (got.data.metrics ?? []).map((x) => x.key)
    expect(keys).toContain('ziln/gini')
    expect(keys).not.toContain('ziln/spearman')
    expect(keys).not.toContain('last_90d/r2')
    expect(got.data.tags?.find((t) => t.key === 'fcv.metrics.dropped')?.value).toBe(
      'ziln/spearman,last_90d/r2'
    )
    const version = await direct.getVersionByAlias(name, 'challenger')
    expect(version?.tags?.map((t) => t.key)).not.toContain('metric.spearman')
  })

  it('a registered model name with invalid characters is rejected before any call', async () => {
    let calls = 0
    const counter = createHttpServer((_, res) => {
      calls++
      res.end()
    })
    await new Promise<void>((ok) => counter.listen(0, '127.0.0.1', ok))
    const { port } = counter.address() as { port: number }
    try {
      for (const bad of ['fcv/model', 'fcv:model', 'has space', '-leading', 'x'.repeat(101)]) {
        const child = spawn(
          process.execPath,
          [join(ROOT, 'trainer/src/cli.ts'), 'register', '--set', `register.model_name=${bad}`],
          { cwd: ROOT, env: { ...process.env, MLFLOW_TRACKING_URI: `http://127.0.0.1:${port}` } }
        )
        let stderr = ''
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
        const code = await new Promise<number | null>((ok) => child.on('close', ok))
        expect(code, bad).toBe(1)
        expect(stderr).toMatch(
          /fcv register: error: invalid params:\n.*register\.model_name: a registered model name is 1 to 100 letters/
        )
      }
    } finally {
      counter.close()
    }
    expect(calls).toBe(0)
  })
})

describe('without MLflow installed', { timeout: 60_000 }, () => {
  /** The CLI in a directory without .venv, on a PATH without mlflow. */
  async function cliWithoutMlflow(extra: string[]) {
    const cwd = mkdtempSync(join(tmpdir(), 'fcv-no-mlflow-'))
    const p = fx.params()
    const args = [
      join(ROOT, 'trainer/src/cli.ts'),
      'register',
      '--params',
      join(ROOT, 'params.yaml'),
      ...[
        `data.path=${p.data.path}`,
        `ingest.out_dir=${p.ingest.out_dir}`,
        `features.out_dir=${p.features.out_dir}`,
        `train.out_dir=${p.train.out_dir}`,
        `evaluate.out_dir=${p.evaluate.out_dir}`,
        `register.out_file=${join(cwd, 'registration.json')}`,
        `register.embedded.port=${await freePort()}`,
      ].flatMap((s) => ['--set', s]),
      ...extra,
    ]
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
    }
    delete env['MLFLOW_TRACKING_URI']
    const child = spawn(process.execPath, args, { cwd, env })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const code = await new Promise<number | null>((ok) => child.on('close', ok))
    return { code, out, cwd }
  }

  it('fails, saying how to get MLflow', async () => {
    const { code, out, cwd } = await cliWithoutMlflow([])
    expect(code).toBe(1)
    expect(out).toMatch(
      /fcv register: error: MLflow is not installed here: run `bash scripts\/setup.sh`/
    )
    expect(out).toContain('--no-mlflow')
    expect(existsSync(join(cwd, 'registration.json'))).toBe(false)
  })

  it('skips registration only when told to with --no-mlflow', async () => {
    const { code, out, cwd } = await cliWithoutMlflow(['--no-mlflow'])
    expect(code, out).toBe(0)
    expect(out).toContain('register: skipped (registration is off (register.enabled: false))')
    expect(JSON.parse(readFileSync(join(cwd, 'registration.json'), 'utf8'))).toEqual({
      status: 'skipped',
      reason: 'registration is off (register.enabled: false)',
    })
  })
})

describe('credentials (MLflow basic-auth app)', { timeout: 180_000 }, () => {
  const admin = { username: 'fcvadmin', password: `pw-${randomBytes(8).toString('hex')}` }
  let server: RunningServer

  beforeAll(async () => {
    server = await startBasicAuthServer(admin)
  }, 180_000)
  afterAll(() => server?.stop())

  it('a wrong password is reported as 401 unauthorized, and nothing is created', async () => {
    const { name, outFile, params } = fresh()
    const env = {
      MLFLOW_TRACKING_URI: server.url,
      MLFLOW_TRACKING_USERNAME: admin.username,
      MLFLOW_TRACKING_PASSWORD: 'wrong-password-123',
    }
    const client = new MlflowClient(connectionTo(server.url, env))
    const err = await runRegister(params, { client, log: () => {} }).catch((e: Error) => e)
    expect(err).toMatchObject({ name: 'MlflowError', status: 401 })
    expect((err as Error).message).toMatch(
      /failed: HTTP 401 unauthorized: the server rejected the credentials/
    )
    expect((err as Error).message).not.toContain('wrong-password-123')
    const adminClient = new MlflowClient(
      connectionTo(server.url, { ...env, MLFLOW_TRACKING_PASSWORD: admin.password })
    )
    expect(await adminClient.getExperimentByName(name)).toBeNull()
    expect(existsSync(outFile)).toBe(false)
  })

  it('the right credentials register the whole run, artifacts included', async () => {
    const { name, params } = fresh()
    const env = {
      MLFLOW_TRACKING_URI: server.url,
      MLFLOW_TRACKING_USERNAME: admin.username,
      MLFLOW_TRACKING_PASSWORD: admin.password,
    }
    const r = await runRegister(params, { env, log: () => {} })
    expect(r).toMatchObject({ status: 'registered', model_name: name, version: '1' })
    const client = new MlflowClient(connectionTo(server.url, env))
    const version = await client.getVersionByAlias(name, 'challenger')
    expect(version?.version).toBe('1')
    const files = await client.listArtifacts(version!.source, '')
    expect(files.map((f) => f.path)).toContain('weights.bin')
  })
})
