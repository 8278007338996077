// Load on loopback with autocannon, in process: a fixed set of prebuilt POST bodies sent in turn
// (the same customers to every server), an unrecorded warm-up first, then the timed run.
// Latency percentiles come from every response's own time (autocannon's histogram rounds to whole
// milliseconds); requests/s is autocannon's mean over its per-second samples. Non-2xx answers,
// socket errors and timeouts (warm-up included) are counted with the first few of them; the
// benchmark fails when there is any, after the other runs.

import autocannon from 'autocannon'
import { log, quantile } from '../common.ts'
import { cpuMs } from './cpu.ts'

export interface LoadSpec {
  /** e.g. "worker features b1". */
  label: string
  url: string
  /** POSTed in turn; empty: GET (the runtime's floor, on a route that does no work). */
  bodies: string[]
  /** The server's processes, for its CPU time under load. */
  serverPids?: () => number[]
}

export interface LoadSettings {
  connections: number
  durationS: number
  warmupS: number
}

export interface LoadFigures {
  requests_per_s: number
  p50_ms: number
  p90_ms: number
  p99_ms: number
  max_ms: number
  requests: number
  duration_s: number
  non2xx: number
  errors: number
  timeouts: number
  /** Non-2xx answers, errors and timeouts, the warm-up included. */
  failed: number
  status_codes: Record<string, number>
  /** Distinct failures (status and body, or the socket error) and how often each came. */
  failure_kinds: { count: number; what: string }[]
  /** When failures came, seconds since the start of the warm-up (the first 50). */
  failure_times_s: number[]
  /** Mean request body size. */
  body_bytes: number
  /** CPU milliseconds per request of the server's processes (null: not measured). */
  server_cpu_ms_per_request: number | null
  /** Cores the server kept busy on average. */
  server_cores: number | null
  /** CPU milliseconds per request of this process (autocannon). */
  client_cpu_ms_per_request: number
}

const round = (x: number, d: number) => Number(x.toFixed(d))

interface Run {
  result: autocannon.Result
  latencies: number[]
  statuses: Map<number, number>
  failures: Failures
}

/** Failures by kind (at most 5 kinds kept) and when they came. */
class Failures {
  readonly kinds = new Map<string, number>()
  readonly times: number[] = []
  private readonly t0: number
  constructor(t0: number) {
    this.t0 = t0
  }
  add(what: string): void {
    const key = what.length > 600 ? `${what.slice(0, 600)}…` : what
    if (this.kinds.has(key) || this.kinds.size < 5)
      this.kinds.set(key, (this.kinds.get(key) ?? 0) + 1)
    if (this.times.length < 50)
      this.times.push(Number(((performance.now() - this.t0) / 1000).toFixed(2)))
  }
}

async function once(
  spec: LoadSpec,
  s: LoadSettings,
  durationS: number,
  failures: Failures
): Promise<Run> {
  const latencies: number[] = []
  const statuses = new Map<number, number>()
  const options: autocannon.Options = {
    url: spec.url,
    connections: s.connections,
    duration: durationS,
    requests: (spec.bodies.length ? spec.bodies : [null]).map((body) => ({
      path: new URL(spec.url).pathname,
      ...(body === null
        ? { method: 'GET' as const }
        : { method: 'POST' as const, headers: { 'content-type': 'application/json' }, body }),
      onResponse: (status: number, text: string) => {
        if (status < 200 || status >= 300) failures.add(`HTTP ${status} ${text}`)
      },
    })),
  }
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (err, r) => (err ? reject(err as Error) : resolve(r)))
    instance.on('reqError', (err: Error) => {
      failures.add(`socket error: ${err.message}`)
    })
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1)
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime)
    })
  })
  return { result, latencies, statuses, failures }
}

const failedIn = (r: autocannon.Result) => r.non2xx + r.errors + r.timeouts

export async function runLoad(spec: LoadSpec, s: LoadSettings): Promise<LoadFigures> {
  log(`${spec.label}: warm-up ${s.warmupS} s, then ${s.durationS} s at c=${s.connections}`)
  const failures = new Failures(performance.now())
  const warmup = await once(spec, s, s.warmupS, failures)
  const pids = spec.serverPids?.() ?? []
  const server0 = cpuMs(pids)
  const client0 = process.cpuUsage()
  const wall0 = performance.now()
  const { result: r, latencies, statuses } = await once(spec, s, s.durationS, failures)
  const wallMs = performance.now() - wall0
  const client = process.cpuUsage(client0)
  const server1 = cpuMs(pids)
  const serverMs = server0 === null || server1 === null ? null : server1 - server0
  const sorted = Float64Array.from(latencies).sort()
  const figures: LoadFigures = {
    requests_per_s: round(r.requests.average, 0),
    p50_ms: round(quantile(sorted, 0.5), 2),
    p90_ms: round(quantile(sorted, 0.9), 2),
    p99_ms: round(quantile(sorted, 0.99), 2),
    max_ms: round(sorted[sorted.length - 1] ?? Number.NaN, 2),
    requests: r.requests.total,
    duration_s: r.duration,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    failed: failedIn(warmup.result) + failedIn(r),
    status_codes: Object.fromEntries([...statuses].map(([code, n]) => [String(code), n])),
    failure_kinds: [...failures.kinds].map(([what, count]) => ({ count, what })),
    failure_times_s: failures.times,
    server_cpu_ms_per_request:
      serverMs === null ? null : round(serverMs / Math.max(1, r.requests.total), 3),
    server_cores: serverMs === null ? null : round(serverMs / wallMs, 2),
    client_cpu_ms_per_request: round(
      (client.user + client.system) / 1000 / Math.max(1, r.requests.total),
      3
    ),
    body_bytes: Math.round(
      spec.bodies.reduce((a, b) => a + Buffer.byteLength(b), 0) / Math.max(1, spec.bodies.length)
    ),
  }
  log(
    `${spec.label}: ${figures.requests_per_s} req/s, p50 ${figures.p50_ms} ms, p99 ${figures.p99_ms} ms; ` +
      `CPU ms/request server ${figures.server_cpu_ms_per_request ?? 'n/a'} ` +
      `(${figures.server_cores ?? 'n/a'} cores), autocannon ${figures.client_cpu_ms_per_request}`
  )
  if (figures.failed > 0) {
    log(
      `${spec.label}: FAILED REQUESTS: ${figures.failed} (non-2xx ${r.non2xx}, errors ${r.errors}, ` +
        `timeouts ${r.timeouts} in the run; warm-up ${failedIn(warmup.result)}), at ` +
        `${figures.failure_times_s.join(' ')} s after the warm-up began (details after the table)`
    )
  }
  return figures
}
