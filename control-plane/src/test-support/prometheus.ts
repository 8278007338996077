// Test support: Debian's real Prometheus and Alertmanager on loopback, each in a temp directory, and
// an HTTP receiver for Alertmanager's webhook notifications. Used by the observability end-to-end
// test: Prometheus scrapes the control plane, evaluates the rule files of k8s/monitoring and sends
// what fires to Alertmanager, which posts it to the receiver.

import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../../trainer/src/mlflow/test-server.ts'

export const PROMETHEUS = '/usr/bin/prometheus'
export const ALERTMANAGER = '/usr/bin/prometheus-alertmanager'

function missing(bin: string, pkg: string): Error {
  return new Error(`${bin} is missing: apt-get install -y ${pkg} (scripts/setup.sh does)`)
}

interface Daemon {
  url: string
  child: ChildProcess
  output: () => string
  stop(): Promise<void>
}

async function startDaemon(
  bin: string,
  args: string[],
  url: string,
  dir: string,
  readyPath = '/-/ready'
): Promise<Daemon> {
  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  // Both daemons log every line; keep the tail, which is what explains a failure.
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-20_000))
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const stop = () =>
    new Promise<void>((ok) => {
      if (child.exitCode !== null || child.signalCode !== null) return ok()
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      child.once('exit', () => {
        clearTimeout(timer)
        ok()
      })
      child.kill('SIGTERM')
    })
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${bin} exited ${child.exitCode}: ${out}`)
    const ready = await fetch(`${url}${readyPath}`).then(
      (r) => r.ok,
      () => false
    )
    if (ready) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`${bin} was not ready in 30 s: ${out}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return { url, child, output: () => out, stop }
}

/** One notification as Alertmanager's webhook posts it (version 4). */
export interface WebhookNotification {
  status: 'firing' | 'resolved'
  receiver: string
  alerts: {
    status: 'firing' | 'resolved'
    labels: Record<string, string>
    annotations: Record<string, string>
    startsAt: string
  }[]
}

export interface WebhookReceiver {
  url: string
  notifications: WebhookNotification[]
  /** Resolves with the first firing alert named `alertname` (rejects after `timeoutMs`). */
  waitForAlert(alertname: string, timeoutMs: number): Promise<WebhookNotification['alerts'][number]>
  close(): Promise<void>
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const notifications: WebhookNotification[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      try {
        notifications.push(JSON.parse(body) as WebhookNotification)
        res.writeHead(200).end()
      } catch {
        res.writeHead(400).end()
      }
    })
  })
  const port = await freePort()
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok))
  const find = (name: string) =>
    notifications
      .flatMap((n) => n.alerts)
      .find((a) => a.status === 'firing' && a.labels['alertname'] === name)
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    notifications,
    async waitForAlert(name, timeoutMs) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const alert = find(name)
        if (alert) return alert
        if (Date.now() > deadline) {
          const seen = notifications.flatMap((n) => n.alerts.map((a) => a.labels['alertname']))
          throw new Error(
            `Alertmanager did not notify ${name} in ${timeoutMs} ms (notified: ${seen.join(', ') || 'nothing'})`
          )
        }
        await new Promise((r) => setTimeout(r, 200))
      }
    },
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  }
}

export type Alertmanager = Daemon

/** Alertmanager that sends every alert to `webhookUrl` at once (no grouping delay). */
export async function startAlertmanager(webhookUrl: string): Promise<Alertmanager> {
  if (!existsSync(ALERTMANAGER)) throw missing(ALERTMANAGER, 'prometheus-alertmanager')
  const dir = await mkdtemp(join(tmpdir(), 'fcv-alertmanager-'))
  const config = [
    'route:',
    '  receiver: test',
    "  group_by: ['alertname']",
    '  group_wait: 0s',
    '  group_interval: 1s',
    '  repeat_interval: 1h',
    'receivers:',
    '  - name: test',
    '    webhook_configs:',
    `      - url: '${webhookUrl}'`,
    '        send_resolved: true',
    '',
  ].join('\n')
  await writeFile(join(dir, 'alertmanager.yml'), config)
  const port = await freePort()
  // The cluster listener would bind a second port on every interface: off.
  const args = [
    `--config.file=${join(dir, 'alertmanager.yml')}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
  ]
  try {
    const d = await startDaemon(ALERTMANAGER, args, `http://127.0.0.1:${port}`, dir)
    return { ...d, stop: () => d.stop().finally(() => rm(dir, { recursive: true, force: true })) }
  } catch (e) {
    await rm(dir, { recursive: true, force: true })
    throw e
  }
}

export interface PrometheusOptions {
  /** host:port targets scraped at /metrics as job "fcv-control-plane". */
  targets: string[]
  /** Rule files (absolute paths); Prometheus evaluates them every `evaluationInterval`. */
  ruleFiles?: string[]
  alertmanagerUrl?: string
  scrapeInterval?: string
  evaluationInterval?: string
}

export interface PrometheusServer extends Daemon {
  /** GET /api/v1/query: the vector's samples (labels and value). */
  query(expr: string): Promise<{ metric: Record<string, string>; value: number }[]>
  /** Polls `query(expr)` until `accept` holds (rejects after `timeoutMs` with the last result). */
  waitFor(
    expr: string,
    accept: (r: { metric: Record<string, string>; value: number }[]) => boolean,
    timeoutMs: number
  ): Promise<{ metric: Record<string, string>; value: number }[]>
}

interface QueryAnswer {
  status: string
  error?: string
  data?: {
    resultType: string
    result: { metric: Record<string, string>; value: [number, string] }[]
  }
}

export async function startPrometheus(o: PrometheusOptions): Promise<PrometheusServer> {
  if (!existsSync(PROMETHEUS)) throw missing(PROMETHEUS, 'prometheus')
  const dir = await mkdtemp(join(tmpdir(), 'fcv-prometheus-'))
  const config = {
    global: {
      scrape_interval: o.scrapeInterval ?? '1s',
      evaluation_interval: o.evaluationInterval ?? '1s',
    },
    rule_files: o.ruleFiles ?? [],
    ...(o.alertmanagerUrl
      ? {
          alerting: {
            alertmanagers: [{ static_configs: [{ targets: [new URL(o.alertmanagerUrl).host] }] }],
          },
        }
      : {}),
    scrape_configs: [{ job_name: 'fcv-control-plane', static_configs: [{ targets: o.targets }] }],
  }
  // JSON is YAML: no YAML writer needed for a config built here.
  await writeFile(join(dir, 'prometheus.yml'), JSON.stringify(config, null, 2))
  const port = await freePort()
  const args = [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]
  let d: Daemon
  try {
    d = await startDaemon(PROMETHEUS, args, `http://127.0.0.1:${port}`, dir)
  } catch (e) {
    await rm(dir, { recursive: true, force: true })
    throw e
  }
  const query = async (expr: string) => {
    const res = await fetch(`${d.url}/api/v1/query?query=${encodeURIComponent(expr)}`)
    const answer = (await res.json()) as QueryAnswer
    if (answer.status !== 'success' || !answer.data) {
      throw new Error(`Prometheus refused ${expr}: ${answer.error ?? res.status}`)
    }
    if (answer.data.resultType !== 'vector') {
      throw new Error(`${expr} gave a ${answer.data.resultType}, not a vector`)
    }
    return answer.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }))
  }
  return {
    ...d,
    stop: () => d.stop().finally(() => rm(dir, { recursive: true, force: true })),
    query,
    async waitFor(expr, accept, timeoutMs) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const last = await query(expr)
        if (accept(last)) return last
        if (Date.now() > deadline) {
          throw new Error(`${expr} did not hold in ${timeoutMs} ms; last: ${JSON.stringify(last)}`)
        }
        await new Promise((r) => setTimeout(r, 500))
      }
    },
  }
}
