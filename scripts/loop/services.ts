// The servers of the loop, each on its fixed loopback port: the control plane (a child process on
// PGlite in the state directory), the Worker (worker-process.ts: workerd under Miniflare, its KV in
// the state directory), the demo storefront and a Prometheus scraping the control plane.

import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { startChildServer, type ChildServer } from './child.ts'
import type { Secrets, StateDir } from './state.ts'

export const HOST = '127.0.0.1'
export interface LoopPorts {
  controlPlane: number
  worker: number
  demo: number
  prometheus: number
}
/** Where the loop listens: fixed, so the addresses it prints stay the same run after run. */
export const PORTS: LoopPorts = { controlPlane: 8080, worker: 8787, demo: 5173, prometheus: 9090 }
export const PROMETHEUS_BIN = '/usr/bin/prometheus'

export const urlOf = (port: number) => `http://${HOST}:${port}`

/** Whether nothing listens on 127.0.0.1:port. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = createServer()
    s.once('error', () => ok(false))
    s.listen(port, HOST, () => s.close(() => ok(true)))
  })
}

/** Every port the loop will listen on must be free before anything starts. */
export async function checkPortsFree(ports: Record<string, number>): Promise<void> {
  const busy: string[] = []
  for (const [name, port] of Object.entries(ports)) {
    if (!(await portFree(port))) busy.push(`${HOST}:${port} (${name})`)
  }
  if (busy.length > 0) {
    throw new Error(
      `in use: ${busy.join(', ')}. Stop what listens there (another scripts/main.sh, or the README's control plane, worker or demo) and run again`
    )
  }
}

export function startControlPlane(
  root: string,
  state: StateDir,
  secrets: Secrets,
  o: { modelName: string; mlflowUri: string; ports: LoopPorts }
): Promise<ChildServer> {
  const url = urlOf(o.ports.controlPlane)
  return startChildServer({
    name: 'the control plane',
    command: process.execPath,
    args: [join(root, 'control-plane/src/main.ts')],
    cwd: root,
    env: {
      ...process.env,
      HOST,
      PORT: String(o.ports.controlPlane),
      LOG_LEVEL: 'info',
      DATABASE_URL: '', // PGlite in the state directory, even when the shell has a DATABASE_URL
      FCV_DATA_DIR: state.path('control-plane'),
      FCV_ADMIN_TOKEN: secrets.adminToken,
      FCV_SIGNING_KEY: secrets.signingKey,
      FCV_MODEL_NAME: o.modelName,
      MLFLOW_TRACKING_URI: o.mlflowUri,
      FCV_EDGE_PUBLISH_URLS: urlOf(o.ports.worker),
      FCV_EDGE_PUBLISH_TOKEN: secrets.publisherToken,
      // Locally a worker restarted or wiped gets the champions back within seconds.
      FCV_RECONCILE_INTERVAL_SECONDS: '5',
      FCV_FLEET_REFRESH_SECONDS: '5',
    },
    log: join(state.logs, 'control-plane.log'),
    readyUrl: `${url}/readyz`,
    url,
  })
}

/** The Worker in a process of its own (worker-process.ts), with the loop's bindings. */
export function startWorker(
  root: string,
  state: StateDir,
  secrets: Secrets,
  o: {
    trustedKeys: Record<string, string>
    telemetryToken: string
    controlPlaneUrl: string
    port: number
  }
): Promise<ChildServer> {
  const url = urlOf(o.port)
  const bindings = {
    PUBLISHER_TOKEN_SHA256: createHash('sha256').update(secrets.publisherToken).digest('hex'),
    TRUSTED_KEYS: JSON.stringify(o.trustedKeys),
    TELEMETRY_URL: `${o.controlPlaneUrl}/v1/telemetry`,
    TELEMETRY_TOKEN: o.telemetryToken,
    // A local fleet of one user: each prediction reaches the control plane (metrics, the Fleet page)
    // with its response, not with the next request after the flush interval; the rest (beacons)
    // within seconds, not a minute.
    TELEMETRY_FLUSH_PREDICTIONS: '1',
    TELEMETRY_FLUSH_SECONDS: '5',
  }
  return startChildServer({
    name: 'the Worker',
    command: process.execPath,
    args: [join(root, 'scripts/loop/worker-process.ts'), state.dir, String(o.port)],
    cwd: root,
    env: { ...process.env, FCV_LOOP_WORKER_BINDINGS: JSON.stringify(bindings) },
    log: join(state.logs, 'worker.log'),
    readyUrl: `${url}/healthz`,
    url,
    timeoutMs: 120_000,
  })
}

export function prometheusInstalled(): boolean {
  return existsSync(PROMETHEUS_BIN)
}

/** Prometheus on 9090, scraping the control plane every 5 s, with fcv's recording and alert rules. */
export function startPrometheus(
  root: string,
  state: StateDir,
  ports: LoopPorts
): Promise<ChildServer> {
  const dir = state.path('prometheus')
  mkdirSync(dir, { recursive: true })
  const rules = join(root, 'k8s/monitoring/rules')
  const config = {
    global: { scrape_interval: '5s', evaluation_interval: '5s' },
    rule_files: [join(rules, '*.rules.yml')],
    scrape_configs: [
      {
        job_name: 'fcv-control-plane',
        static_configs: [{ targets: [`${HOST}:${ports.controlPlane}`] }],
      },
    ],
  }
  // JSON is YAML.
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config, null, 2))
  const url = urlOf(ports.prometheus)
  return startChildServer({
    name: 'Prometheus',
    command: PROMETHEUS_BIN,
    args: [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=${HOST}:${ports.prometheus}`,
    ],
    cwd: dir,
    log: join(state.logs, 'prometheus.log'),
    readyUrl: `${url}/-/ready`,
    url,
  })
}

/** One instant query of Prometheus's HTTP API: each sample's labels and value. */
export async function queryPrometheus(
  url: string,
  expr: string
): Promise<{ metric: Record<string, string>; value: number }[]> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`)
  const body = (await res.json()) as {
    status?: string
    error?: string
    data?: { result?: { metric: Record<string, string>; value: [number, string] }[] }
  }
  if (body.status !== 'success' || !body.data?.result) {
    throw new Error(`Prometheus refused ${expr}: ${body.error ?? `HTTP ${res.status}`}`)
  }
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }))
}
