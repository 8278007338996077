// The edge benchmark: the built Worker in workerd (Miniflare, no wrangler dev proxy) under
// autocannon on loopback at batch 1 and 100, side by side with the seed project's Flask +
// RandomForest(1000) endpoint on the same customers, plus the in-worker time to score 1,000
// customers from raw histories.
//   options.ts    command line               inputs.ts     model, feature rows, histories
//   worker.ts     the production Worker      flask.ts      flask_rf.py under gunicorn
//   requests.ts   bodies and answer checks   load.ts       autocannon runs
//   cpu.ts        server CPU from /proc      report.ts     targets and the summary
//   in-worker.ts  clock check and timing     node-timing.ts  the same timing in Node
//   timing-worker/  the benchmark-only Worker (wrangler.jsonc, index.ts, measure.ts)

import { mkdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { BENCH_OUT, log, machineInfo, REPO_ROOT, saveResults, StepError } from '../common.ts'
import { groupPids, workerdPids } from './cpu.ts'
import { flaskPython, startFlask, type FlaskProcess, type FlaskVersions } from './flask.ts'
import { inWorkerTiming } from './in-worker.ts'
import { CUSTOMERS, readInputs } from './inputs.ts'
import { runLoad } from './load.ts'
import { parseEdgeOptions, USAGE } from './options.ts'
import { answersCheck, edgeHeadline, printSummary, targets, type LoadRow } from './report.ts'
import {
  checkAnswers,
  flaskBodies,
  historyBodies,
  timeLargeRequest,
  workerFeatureBodies,
} from './requests.ts'
import { startWorker, type RunningWorker } from './worker.ts'

const OUT = path.join(BENCH_OUT, 'edge')
const WARMUP_RUNS = 10
const HTTP_HISTORY_RUNS = 5

const loadavg = () => os.loadavg().map((x) => Number(x.toFixed(2)))

/** Stops what was started, once, also on Ctrl-C or SIGTERM. */
function cleanups() {
  const tasks: (() => Promise<void>)[] = []
  let done: Promise<void> | undefined
  const run = () =>
    (done ??= (async () => {
      for (const t of tasks.reverse()) await t().catch((e: Error) => log(`cleanup: ${e.message}`))
    })())
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the servers`)
    void run().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  return {
    add: (t: () => Promise<void>) => tasks.push(t),
    async run() {
      await run()
      process.removeListener('SIGINT', onSignal)
      process.removeListener('SIGTERM', onSignal)
    },
  }
}

export async function edgeBenchmark(argv: string[]): Promise<number> {
  const o = parseEdgeOptions(argv)
  if (o.help) {
    process.stdout.write(USAGE + '\n')
    return 0
  }
  const load0 = loadavg()
  const inputs = readInputs()
  log(
    `model ${inputs.model.dir} (${inputs.model.source}); ${inputs.customers.length} customers at ` +
      `${new Date(inputs.asOf).toISOString().slice(0, 10)} (${inputs.repeated} repeated under new ids)`
  )
  rmSync(OUT, { recursive: true, force: true })
  mkdirSync(OUT, { recursive: true })
  const logs = {
    worker: path.join(OUT, 'worker.log'),
    flask: path.join(OUT, 'flask.log'),
    timing: path.join(OUT, 'timing-worker.log'),
  }

  const stopAll = cleanups()
  try {
    // Flask trains (~30 s, both cores) while the Worker builds; nothing is measured before both are up.
    let flaskVersions: FlaskVersions | undefined
    let flaskProcess: FlaskProcess | undefined
    if (o.flask) {
      flaskVersions = await flaskPython()
      log(
        `Flask: training RandomForest(1000) on ${inputs.files.train}, gunicorn ${o.flaskWorkers} workers`
      )
      flaskProcess = await startFlask(
        flaskVersions.executable,
        path.join(REPO_ROOT, inputs.files.train),
        o.flaskWorkers,
        logs.flask
      )
      stopAll.add(flaskProcess.stop)
    }
    log('worker: wrangler deploy --dry-run, then Miniflare (workerd) on 127.0.0.1')
    const worker: RunningWorker = await startWorker(inputs.model, CUSTOMERS, logs.worker)
    stopAll.add(() => worker.stop())
    const workerPids = workerdPids()
    log(`worker: ${worker.url}, model version ${worker.version} pushed`)
    const flask = flaskProcess ? await flaskProcess.ready : undefined
    if (flask) {
      log(
        `Flask: ${flask.url}, trained in ${flask.trained.trained_s} s on ${flask.trained.rows} rows`
      )
      if (flask.trained.features.join() !== inputs.flaskFeatureNames.join()) {
        throw new StepError(
          `flask_rf.py trained on ${flask.trained.features.join(', ')}, but the bodies carry ` +
            inputs.flaskFeatureNames.join(', ')
        )
      }
    }

    const predictUrl = `${worker.url}/v1/predict`
    const onWorker = (name: string, batch: number, bodies: string[]) => ({
      name,
      batch,
      url: predictUrl,
      bodies,
      serverPids: () => workerPids,
    })
    const specs = [
      onWorker('worker features', 1, workerFeatureBodies(inputs, 1)),
      onWorker('worker features', 100, workerFeatureBodies(inputs, 100)),
      onWorker('worker raw histories', 1, historyBodies(inputs, 1)),
    ]
    if (flask) {
      const onFlask = (batch: number) => ({
        name: 'flask RF(1000) features',
        batch,
        url: `${flask.url}/predict`,
        bodies: flaskBodies(inputs, batch),
        serverPids: () => groupPids(flask.pid),
      })
      specs.push(onFlask(1), onFlask(100))
    }
    for (const s of specs) await checkAnswers(`${s.name} b${s.batch}`, s.url, s.bodies)
    // The floor of workerd under Miniflare on this machine: the same load on a route that does
    // nothing (GET /healthz), so the Worker's figures can be read against it.
    specs.unshift({
      name: 'worker GET /healthz',
      batch: 0,
      url: `${worker.url}/healthz`,
      bodies: [],
      serverPids: () => workerPids,
    })
    log('every body answered 200 with one prediction per customer')

    const inWorker = await inWorkerTiming(inputs, worker.version, {
      runs: o.runs,
      warmup: WARMUP_RUNS,
      logFile: logs.timing,
      requestFile: path.join(OUT, 'timing-request.json'),
    })
    log(`in-worker: median ${inWorker.workerd.median_ms} ms (Node ${inWorker.node.median_ms} ms)`)

    const [allHistories] = historyBodies(inputs, CUSTOMERS)
    const httpMs = await timeLargeRequest(predictUrl, allHistories!, HTTP_HISTORY_RUNS)
    const httpHistories = {
      median_ms: Number(
        [...httpMs].sort((a, b) => a - b)[Math.floor(httpMs.length / 2)]!.toFixed(1)
      ),
      runs: httpMs.length,
      body_bytes: Buffer.byteLength(allHistories!),
    }
    log(`1,000 histories over HTTP: median ${httpHistories.median_ms} ms`)

    const settings = { connections: o.connections, durationS: o.durationS, warmupS: o.warmupS }
    const rows: LoadRow[] = []
    for (const s of specs) {
      rows.push({
        name: s.name,
        batch: s.batch,
        figures: await runLoad({ ...s, label: `${s.name} b${s.batch}` }, settings),
      })
    }
    const load1 = loadavg()
    await stopAll.run()

    const ratios: Record<number, number> = {}
    for (const batch of [1, 100]) {
      const w = rows.find((r) => r.name === 'worker features' && r.batch === batch)
      const f = rows.find((r) => r.name.startsWith('flask') && r.batch === batch)
      if (w && f)
        ratios[batch] = Number((w.figures.requests_per_s / f.figures.requests_per_s).toFixed(1))
    }
    const t = [...targets(rows, ratios, inWorker, o.quick), answersCheck(rows)]
    const header =
      `edge, loopback, autocannon c=${o.connections}, ${o.durationS} s per run after ${o.warmupS} s warm-up; ` +
      `worker: wrangler deploy --dry-run bundle in workerd (Miniflare); ` +
      (flask ? `Flask + RandomForest(1000) under gunicorn, ${flask.workers} workers; ` : '') +
      `${os.cpus().length} cores, load average ${load0.join(' ')} → ${load1.join(' ')}`
    printSummary({ header, rows, ratios, inWorker, httpHistories, targets: t })
    saveResults(o.quick ? 'edge:quick' : 'edge', {
      machine: {
        ...machineInfo(undefined),
        python: flaskVersions?.python,
        flask: flaskVersions?.flask,
        sklearn: flaskVersions?.sklearn,
        gunicorn: flaskVersions?.gunicorn,
      },
      loadavg: { start: load0, end: load1 },
      options: o,
      inputs: {
        model: inputs.model.dir,
        modelSource: inputs.model.source,
        asOf: new Date(inputs.asOf).toISOString(),
        customers: inputs.customers.length,
        repeated: inputs.repeated,
        transactions: inWorker.transactions,
        workerFeatures: inputs.model.featureNames.length,
        flaskFeatures: inputs.flaskFeatureNames.length,
      },
      worker: { version: worker.version, bindingOverrides: worker.overrides },
      flask: flask
        ? {
            workers: flask.workers,
            trees: flask.trees,
            trained_s: flask.trained.trained_s,
            rows: flask.trained.rows,
          }
        : null,
      load: rows.map((r) => ({ endpoint: r.name, batch: r.batch, ...r.figures })),
      ratios,
      inWorker,
      httpHistories,
      headline: edgeHeadline({ rows, inWorker, httpHistories }),
      targets: t,
    })
    // Failed requests fail the benchmark with or without --check: the figures rest on them.
    const broken = rows.some((r) => r.figures.failed > 0) || !inWorker.same_predictions
    if (broken) {
      process.stderr.write(
        'bench edge: FAILED: requests failed under load or workerd and Node disagree (see above)\n'
      )
      return 1
    }
    return o.check && t.some((x) => x.passed === false) ? 1 : 0
  } finally {
    await stopAll.run()
  }
}
