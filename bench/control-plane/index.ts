// The control-plane benchmark: promotion latency (request to the bundle served) and read API
// throughput and p99 under autocannon on loopback, with the control plane as its own process on
// PGlite and on PostgreSQL, against a real MLflow server. The issue sets no target: figures only.
//   npm run bench -- control-plane [--quick] [--duration S] [--connections N] [--promotions N]

import autocannon from 'autocannon'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { connectionTo, generateSigningKey, MlflowClient } from '@fcv/core'
import { startPostgresCluster } from '../../control-plane/src/db/test-postgres.ts'
import { ADMIN_TOKEN } from '../../control-plane/src/test-support/harness.ts'
import {
  startControlPlane,
  type ControlPlaneProcess,
} from '../../control-plane/src/test-support/process.ts'
import { goodTags, registerVersion } from '../../control-plane/src/test-support/registry.ts'
import { startTestServer } from '../../trainer/src/mlflow/test-server.ts'
import { log, machineInfo, saveResults } from '../common.ts'
import { figure } from '../targets.ts'

const USAGE =
  'usage: npm run bench -- control-plane [--quick (3 s, 5 promotions; key "control-plane:quick")] [--duration S (10)] [--connections N (16)] [--promotions N (20)]'
const MODEL = 'bench-model'

interface Options {
  quick: boolean
  duration: number
  connections: number
  promotions: number
}

function parse(argv: string[]): Options | null {
  const quick = argv.includes('--quick') || process.env['FCV_BENCH_QUICK'] === '1'
  const o: Options = quick
    ? { quick, duration: 3, connections: 16, promotions: 5 }
    : { quick, duration: 10, connections: 16, promotions: 20 }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--help' || a === '-h') return null
    if (a === '--quick') continue
    const value = Number(argv[++i])
    if (!Number.isInteger(value) || value <= 0)
      throw new Error(`${a} needs a positive integer\n${USAGE}`)
    if (a === '--duration') o.duration = value
    else if (a === '--connections') o.connections = value
    else if (a === '--promotions') o.promotions = value
    else throw new Error(`unknown option ${a}\n${USAGE}`)
  }
  return o
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!
}
const round = (x: number, d = 1) => Number(x.toFixed(d))

async function call(
  cp: ControlPlaneProcess,
  method: string,
  p: string,
  body?: unknown,
  token = ADMIN_TOKEN
) {
  const res = await fetch(`${cp.url}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const json = (await res.json()) as Record<string, unknown>
  if (!res.ok) throw new Error(`${method} ${p}: HTTP ${res.status} ${JSON.stringify(json)}`)
  return json
}

/** Request to served: from sending the promotion until the bundle store answers with its bundle. */
async function promotionLatency(cp: ControlPlaneProcess, versions: string[], n: number) {
  const ms: number[] = []
  for (let i = 0; i < n; i++) {
    const version = versions[i % versions.length]!
    const t0 = performance.now()
    const r = (await call(cp, 'POST', `/v1/models/${MODEL}/promotions`, {
      version,
      channel: 'edge',
      reason: `benchmark promotion ${i}`,
      // Latency, not gates, is measured; and a model of the 2011 sample has a calibrated window
      // that ended long ago, which only a forced promotion serves.
      force: true,
    })) as { bundle: { digest: string } }
    for (;;) {
      const res = await fetch(`${cp.url}/v1/bundles/edge/current?model=${MODEL}`)
      const etag = res.headers.get('etag')
      await res.body?.cancel()
      if (etag === `"${r.bundle.digest}"`) break
    }
    ms.push(performance.now() - t0)
  }
  return {
    promotions: n,
    p50_ms: round(quantile(ms, 0.5)),
    p95_ms: round(quantile(ms, 0.95)),
    max_ms: round(Math.max(...ms)),
  }
}

async function load(url: string, headers: Record<string, string>, o: Options) {
  const r = await autocannon({ url, headers, connections: o.connections, duration: o.duration })
  return {
    requests_per_s: round(r.requests.average, 0),
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
  }
}

async function runOn(
  kind: 'pglite' | 'postgres',
  mlflowUri: string,
  versions: string[],
  o: Options
) {
  const cluster = kind === 'postgres' ? await startPostgresCluster() : null
  const key = await generateSigningKey()
  const cp = await startControlPlane({
    ...(cluster
      ? { DATABASE_URL: cluster.url }
      : { FCV_DATA_DIR: path.join(mkdtempSync(path.join(tmpdir(), 'fcv-bench-cp-')), 'pglite') }),
    MLFLOW_TRACKING_URI: mlflowUri,
    FCV_ADMIN_TOKEN: ADMIN_TOKEN,
    FCV_SIGNING_KEY: key.privateKeyPkcs8,
    LOG_LEVEL: 'warn',
  })
  try {
    log(`${kind}: promotion latency (${o.promotions} promotions)`)
    const promotion = await promotionLatency(cp, versions, o.promotions)
    const viewer = (await call(cp, 'POST', '/v1/tokens', {
      name: 'bench-viewer',
      role: 'viewer',
    })) as { token: string }
    log(`${kind}: read API under autocannon (${o.connections} connections, ${o.duration} s each)`)
    const deployments = await load(
      `${cp.url}/v1/models/${MODEL}/deployments`,
      { authorization: `Bearer ${viewer.token}` },
      o
    )
    const bundle = await load(`${cp.url}/v1/bundles/edge/current?model=${MODEL}`, {}, o)
    return { promotion, read: { deployments, bundle_current: bundle } }
  } finally {
    await cp.kill('SIGTERM')
    await cluster?.stop()
  }
}

export async function controlPlaneBenchmark(argv: string[]): Promise<number> {
  const o = parse(argv)
  if (!o) {
    process.stdout.write(USAGE + '\n')
    return 0
  }
  log('starting a real MLflow server')
  const mlflowServer = await startTestServer()
  try {
    const client = new MlflowClient(connectionTo(mlflowServer.url, {}))
    const versions = [
      await registerVersion(client, MODEL, goodTags()),
      await registerVersion(client, MODEL, goodTags()),
    ]
    const results = {
      pglite: await runOn('pglite', mlflowServer.url, versions, o),
      postgres: await runOn('postgres', mlflowServer.url, versions, o),
    }
    const rows = (['pglite', 'postgres'] as const).map((k) => {
      const r = results[k]
      return [
        k.padEnd(9),
        `${r.promotion.p50_ms} / ${r.promotion.max_ms} ms`.padEnd(18),
        `${r.read.deployments.requests_per_s} req/s, p99 ${r.read.deployments.p99_ms} ms`.padEnd(
          30
        ),
        `${r.read.bundle_current.requests_per_s} req/s, p99 ${r.read.bundle_current.p99_ms} ms`,
      ].join(' ')
    })
    process.stdout.write(
      [
        '',
        `control plane, loopback, ${o.connections} connections, ${o.duration} s per endpoint`,
        'database  promotion p50/max   GET deployments (viewer)       GET bundles/edge/current',
        ...rows,
        '',
      ].join('\n')
    )
    const headline = (['pglite', 'postgres'] as const).flatMap((k) => {
      const r = results[k]
      return [
        figure(`${k}: promotion to served, p50`, r.promotion.p50_ms, 'ms'),
        figure(`${k}: promotion to served, max`, r.promotion.max_ms, 'ms'),
        figure(
          `${k}: GET deployments`,
          `${r.read.deployments.requests_per_s} req/s, p99 ${r.read.deployments.p99_ms} ms`
        ),
        figure(
          `${k}: GET bundles/edge/current`,
          `${r.read.bundle_current.requests_per_s} req/s, p99 ${r.read.bundle_current.p99_ms} ms`
        ),
      ]
    })
    // Smoke runs (--quick) go under their own key so they never replace the full figures.
    saveResults(o.quick ? 'control-plane:quick' : 'control-plane', {
      machine: machineInfo(undefined),
      options: o,
      ...results,
      headline,
      targets: [],
    })
    const failed = Object.entries(results).filter(
      ([, r]) =>
        r.read.deployments.non2xx +
          r.read.bundle_current.non2xx +
          r.read.deployments.errors +
          r.read.bundle_current.errors >
        0
    )
    if (failed.length) {
      process.stderr.write(
        `bench control-plane: FAILED: requests not answered 2xx under load on ${failed.map(([k]) => k).join(', ')}\n`
      )
    }
    return failed.length ? 1 : 0
  } finally {
    await mlflowServer.stop()
  }
}
