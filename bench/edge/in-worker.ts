// In-worker time to score 1,000 customers from raw histories: the benchmark-only Worker in
// timing-worker/ (built by wrangler deploy --dry-run, run in workerd by Miniflare on 127.0.0.1)
// times core's scoreHistories between I/O boundaries. First the clock itself is checked: a spin
// loop of a duration measured in Node, timed by the Worker without a boundary, across timer
// boundaries and across loopback fetches. The timer boundary is used when the Worker's clock
// shows the spin there, else the fetch boundary (which then includes one loopback round trip);
// with neither the benchmark fails. As a cross-check, a fresh Node process runs the same loop on
// the same request (node-timing.ts).

import { spawn } from 'node:child_process'
import { createWriteStream, writeFileSync } from 'node:fs'
import http from 'node:http'
import { createRequire } from 'node:module'
import path from 'node:path'
import { bytesToBase64 } from '@fcv/core'
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from 'miniflare'
import { buildDir, uploadModules, wranglerEnv } from '../../edge-worker/local/built-worker.ts'
import { log, probe, REPO_ROOT, StepError } from '../common.ts'
import type { EdgeInputs } from './inputs.ts'
import { quantile } from '../common.ts'
import { spin, type TimingResult } from './timing-worker/measure.ts'

const CONFIG = path.join(REPO_ROOT, 'bench', 'edge', 'timing-worker', 'wrangler.jsonc')
const NODE_TIMING = path.join(REPO_ROOT, 'bench', 'edge', 'node-timing.ts')
/** Node's duration of the spin loop used to check the Worker's clock. */
const PROBE_MS = 60
const PROBE_REPEATS = 3

export interface ClockCheck {
  iterations: number
  /** Medians over the repeats, milliseconds. */
  nodeMs: number
  syncDateMs: number
  syncPerformanceMs: number
  timerDateMs: number
  fetchDateMs: number
  fetchAloneMs: number
  /** The clock advances during synchronous work (no boundary needed locally). */
  advancesWithoutIo: boolean
  boundary: 'timer' | 'fetch'
  verdict: string
}

export interface Distribution {
  runs: number
  median_ms: number
  p90_ms: number
  min_ms: number
  max_ms: number
  mean_ms: number
}

export interface InWorkerFigures {
  customers: number
  transactions: number
  warmup: number
  engine: string
  clock: ClockCheck
  /** resolution_ms: 1 when every sample is a whole number of milliseconds, else 0 (finer). */
  workerd: Distribution & { boundary_alone_median_ms: number; resolution_ms: number }
  node: Distribution
  /** workerd and Node gave the same predictions (sum of expected within 1e-9 relative). */
  same_predictions: boolean
}

export function distribution(samples: readonly number[]): Distribution {
  const s = Float64Array.from(samples).sort()
  const r = (x: number) => Number(x.toFixed(3))
  return {
    runs: s.length,
    median_ms: r(quantile(s, 0.5)),
    p90_ms: r(quantile(s, 0.9)),
    min_ms: r(s[0] ?? Number.NaN),
    max_ms: r(s[s.length - 1] ?? Number.NaN),
    mean_ms: r(s.reduce((a, b) => a + b, 0) / s.length),
  }
}

const median = (xs: number[]) => quantile(Float64Array.from(xs).sort(), 0.5)

async function buildTimingWorker(outDir: string, logFile: string): Promise<string> {
  const require = createRequire(path.join(REPO_ROOT, 'package.json'))
  const bin = path.join(
    path.dirname(require.resolve('wrangler/package.json')),
    'bin',
    'wrangler.js'
  )
  const args = [bin, 'deploy', '--dry-run', '--outdir', outDir, '--config', CONFIG]
  const out = createWriteStream(logFile, { flags: 'a' })
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: wranglerEnv() })
    child.stdout.pipe(out, { end: false })
    child.stderr.pipe(out, { end: false })
    child.once('error', reject)
    child.once('close', resolve)
  })
  out.end()
  if (code !== 0)
    throw new StepError(`wrangler deploy --dry-run of ${CONFIG} failed; log ${logFile}`)
  return path.join(outDir, 'index.js')
}

async function startTimingWorker(script: string) {
  const { unstable_getMiniflareWorkerOptions } = await import('wrangler')
  const { workerOptions } = unstable_getMiniflareWorkerOptions(CONFIG)
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      name: 'fcv-bench-timing',
      modules: await uploadModules(script),
      modulesRoot: path.dirname(script),
      compatibilityDate: workerOptions.compatibilityDate as string,
      compatibilityFlags: workerOptions.compatibilityFlags as string[] | undefined,
      host: '127.0.0.1',
      port: 0,
      cf: false,
      log: new Log(LogLevel.WARN),
    })
  )
  const url = (await mf.ready).origin
  return { url, stop: () => mf.dispose() }
}

/** A loopback endpoint for the fetch boundary. */
async function startEcho(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => res.end('ok'))
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

async function post<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  if (res.status !== 200)
    throw new StepError(`POST ${url}: HTTP ${res.status}\n${await res.text()}`)
  return (await res.json()) as T
}

async function checkClock(workerUrl: string, echoUrl: string): Promise<ClockCheck> {
  // Iterations for ~PROBE_MS of Node time, from a short calibration run after a warm-up.
  spin(2_000_000)
  const c0 = performance.now()
  spin(2_000_000)
  const perIteration = (performance.now() - c0) / 2_000_000
  const iterations = Math.round(PROBE_MS / perIteration)
  const nodeRuns: number[] = []
  const workerRuns: Record<string, number>[] = []
  for (let i = 0; i < PROBE_REPEATS; i++) {
    const t0 = performance.now()
    spin(iterations)
    nodeRuns.push(performance.now() - t0)
    workerRuns.push(await post(`${workerUrl}/clock`, { iterations, echoUrl }))
  }
  const m = (k: string) => median(workerRuns.map((r) => r[k] ?? Number.NaN))
  const nodeMs = median(nodeRuns)
  const sees = (ms: number) => ms >= 0.5 * nodeMs
  const check = {
    iterations,
    nodeMs: Number(nodeMs.toFixed(1)),
    syncDateMs: m('syncDateMs'),
    syncPerformanceMs: m('syncPerformanceMs'),
    timerDateMs: m('timerDateMs'),
    fetchDateMs: m('fetchDateMs'),
    fetchAloneMs: m('fetchAloneMs'),
  }
  const advancesWithoutIo = sees(check.syncDateMs)
  if (!sees(check.timerDateMs) && !sees(check.fetchDateMs)) {
    throw new StepError(
      `workerd's clock did not show a ${check.nodeMs} ms spin across a timer (${check.timerDateMs} ms) ` +
        `nor across a loopback fetch (${check.fetchDateMs} ms): no honest in-worker time`
    )
  }
  const boundary = sees(check.timerDateMs) ? 'timer' : 'fetch'
  const verdict =
    `a ${check.nodeMs} ms (Node) spin reads ${check.syncDateMs} ms in workerd with no I/O, ` +
    `${check.timerDateMs} ms across setTimeout(0), ${check.fetchDateMs} ms across a loopback fetch ` +
    `(fetch alone ${check.fetchAloneMs} ms): ` +
    (advancesWithoutIo
      ? 'the local clock is not frozen during synchronous work'
      : 'the clock is frozen during synchronous work') +
    `; timing with the ${boundary} boundary`
  return { ...check, advancesWithoutIo, boundary, verdict }
}

/** The workerd timing and the Node cross-check, on the same 1,000 histories. */
export async function inWorkerTiming(
  inputs: EdgeInputs,
  version: string,
  o: {
    runs: number
    warmup: number
    logFile: string
    /** Where the request is written for the Node process. */
    requestFile: string
  }
): Promise<InWorkerFigures> {
  const items = inputs.customers.map((c) => ({
    customerId: c.customerId,
    transactions: c.transactions,
  }))
  const transactions = items.reduce((a, i) => a + i.transactions.length, 0)
  const request = { asOf: inputs.asOf, items, warmup: o.warmup, runs: o.runs }
  const payload = JSON.stringify({
    ...request,
    modelJson: new TextDecoder().decode(inputs.model.modelJson),
    weights: bytesToBase64(inputs.model.weights),
    version,
  })

  const build = await buildDir()
  const echo = await startEcho()
  let worker: Awaited<ReturnType<typeof startTimingWorker>> | undefined
  try {
    log('in-worker: building the benchmark-only Worker (bench/edge/timing-worker)')
    worker = await startTimingWorker(await buildTimingWorker(build.dir, o.logFile))
    const clock = await checkClock(worker.url, echo.url)
    log(`in-worker clock check: ${clock.verdict}`)
    log(
      `in-worker: scoreHistories of ${items.length} customers (${transactions} transactions), ` +
        `${o.warmup} warm-up + ${o.runs} timed runs in workerd`
    )
    const body = payload.slice(0, -1) + `,"boundary":"${clock.boundary}","echoUrl":"${echo.url}"}`
    const inWorkerd = await post<TimingResult>(`${worker.url}/score`, body)

    log('in-worker: the same loop in Node, in a fresh process (cross-check)')
    writeFileSync(o.requestFile, payload)
    const child = await probe(process.execPath, [NODE_TIMING, o.requestFile])
    if (child.code !== 0) throw new StepError(`${NODE_TIMING} failed:\n${child.stderr}`)
    const inNode = JSON.parse(child.stdout) as TimingResult
    const same =
      Math.abs(inNode.expectedSum - inWorkerd.expectedSum) <=
      1e-9 * Math.max(1, Math.abs(inNode.expectedSum))
    return {
      customers: items.length,
      transactions,
      warmup: o.warmup,
      engine: inWorkerd.engine,
      clock,
      workerd: {
        ...distribution(inWorkerd.samples),
        boundary_alone_median_ms: median(inWorkerd.empty),
        // workerd's Date.now() has whole milliseconds; finer when every sample is not whole.
        resolution_ms: inWorkerd.samples.every(Number.isInteger) ? 1 : 0,
      },
      node: distribution(inNode.samples),
      same_predictions: same,
    }
  } finally {
    await worker?.stop()
    await echo.close()
    await build.remove()
  }
}
