// The whole loop on one machine: train and register (the pipeline), start the control plane and
// the Worker, promote the new version on both channels, serve the storefront with the widget and a
// Prometheus, and prove each part answers. `startLoop` returns it running; `stop` stops exactly what
// it started. main.ts serves it until Ctrl-C or checks it (--check); the e2e test drives it.

import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Browser } from 'playwright-core'
import { launchChromium, CHROMIUM } from '../../control-plane/src/test-support/chromium.ts'
import { callApi, type ApiTarget } from '../../trainer/src/release/api.ts'
import { stopEmbeddedServer } from '../../trainer/src/mlflow/embedded-server.ts'
import { loadParams } from '../../trainer/src/params/load.ts'
import type { Params } from '../../trainer/src/params/schema.ts'
import { buildWidget } from '../../web-widget/build.ts'
import {
  startDemoServer,
  trustedKeysAttribute,
  type DemoServer,
} from '../../web-widget/demo/serve.ts'
import type { LoopArgs } from './args.ts'
import { runToEnd, type ChildServer } from './child.ts'
import type { Progress } from './progress.ts'
import { syncAndPromote } from './promote.ts'
import { predictAtEdge, waitUntilServed } from './served.ts'
import { widgetPrediction } from './widget-page.ts'
import {
  checkPortsFree,
  type LoopPorts,
  HOST,
  PORTS,
  prometheusInstalled,
  startControlPlane,
  startPrometheus,
  startWorker,
} from './services.ts'
import {
  loadOrCreateSecrets,
  saveSecrets,
  writePrivate,
  writeShellEnv,
  type Secrets,
  type StateDir,
} from './state.ts'

export interface DemoCustomers {
  asOf: string
  customers: { customerId: string; label: string; transactions: unknown[] }[]
}

export interface RunningLoop {
  params: Params
  model: string
  version: string
  state: StateDir
  secrets: Secrets
  mlflowUrl: string
  /** The environment the loop's CLI runs get (the check's `fcv score` too). */
  env: NodeJS.ProcessEnv
  controlPlane: ChildServer
  worker: ChildServer
  demo: DemoServer
  prometheus: ChildServer | null
  browser: Browser | null
  customers: DemoCustomers
  /** Channels whose promotion was forced over failed gates. */
  forced: string[]
  /** Stops what the loop started, in reverse order; MLflow only if the loop started it. */
  stop(): Promise<void>
}

export const STEPS = [
  'train and register (fcv pipeline)',
  'start the control plane',
  'start the Worker',
  'promote to the edge and widget channels',
  'first prediction at the edge',
  'serve the storefront with the widget',
  'first prediction in the widget',
  'start Prometheus',
] as const

const cli = (root: string) => join(root, 'trainer/dist/fcv.mjs')

async function mlflowAnswers(url: string): Promise<boolean> {
  return fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then(
    (r) => r.ok,
    () => false
  )
}

/** The Worker's telemetry token: the saved one while the control plane still knows it, else a new one. */
async function reporterToken(cp: ApiTarget, state: StateDir, secrets: Secrets): Promise<string> {
  const { body } = await callApi<{ tokens: { name: string; revokedAt: string | null }[] }>(
    cp,
    'GET',
    '/v1/tokens'
  )
  const { tokens } = body
  const saved = secrets.reporter
  if (saved && tokens.some((t) => t.name === saved.name && t.revokedAt === null)) return saved.token
  const name = `local-worker-${new Date().toISOString().replace(/[:.]/g, '-')}`
  const created = await callApi<{ token: string }>(cp, 'POST', '/v1/tokens', {
    body: { name, role: 'reporter' },
  })
  secrets.reporter = { name, token: created.body.token }
  saveSecrets(state, secrets)
  return created.body.token
}

export interface LoopOptions {
  /** The environment of the pipeline and the CLI runs (MLFLOW_TRACKING_URI, ...). */
  env?: NodeJS.ProcessEnv
  /** Other ports than PORTS (the e2e test runs beside the README walk, which needs PORTS). */
  ports?: Partial<LoopPorts>
}

export async function startLoop(
  root: string,
  args: LoopArgs,
  state: StateDir,
  progress: Progress,
  o: LoopOptions = {}
): Promise<RunningLoop> {
  const env = o.env ?? process.env
  const ports = { ...PORTS, ...o.ports }
  const stops: { name: string; stop: () => Promise<unknown> }[] = []
  const stopAll = async () => {
    for (const s of stops.reverse()) {
      await s.stop().catch((e: Error) => progress.info(`stopping ${s.name}: ${e.message}`))
    }
    stops.length = 0
  }
  try {
    return await start(root, args, state, progress, env, ports, stops, stopAll)
  } catch (e) {
    await stopAll()
    throw e
  }
}

async function start(
  root: string,
  args: LoopArgs,
  state: StateDir,
  progress: Progress,
  env: NodeJS.ProcessEnv,
  ports: LoopPorts,
  stops: { name: string; stop: () => Promise<unknown> }[],
  stopAll: () => Promise<void>
): Promise<RunningLoop> {
  const params = loadParams(join(root, 'params.yaml'), args.sets)
  if (!params.register.enabled) {
    throw new Error(
      'register.enabled is false: the loop promotes from MLflow, so it needs registration on'
    )
  }
  const model = params.register.model_name
  const withPrometheus = args.prometheus && prometheusInstalled()
  const { prometheus: prometheusPort, ...others } = ports
  await checkPortsFree(withPrometheus ? { ...others, prometheus: prometheusPort } : others)
  const { secrets, created } = await loadOrCreateSecrets(state)
  progress.info(
    created
      ? `state in ${state.dir}: a new signing key and tokens (secrets.json, mode 0600)`
      : `state in ${state.dir}: reusing its signing key, tokens and database`
  )
  const setArgs = args.sets.flatMap((s) => ['--set', s])
  const out = (line: string) => progress.info(line)

  // 1. The pipeline, into MLflow: the user's server, or the embedded one (started if not running).
  const userMlflow = env['MLFLOW_TRACKING_URI']
  const mlflowUrl = userMlflow || `http://${HOST}:${params.register.embedded.port}`
  const mlflowWasRunning = userMlflow ? true : await mlflowAnswers(mlflowUrl)
  if (!mlflowWasRunning) {
    // Registered first: the pipeline starts it early, and a pipeline that fails after that (or a
    // Ctrl-C) must not leave it behind.
    stops.push({
      name: 'MLflow',
      stop: () => stopEmbeddedServer(resolve(root, params.register.embedded.dir)),
    })
  }
  await progress.step(STEPS[0], () =>
    runToEnd(process.execPath, [cli(root), 'pipeline', ...setArgs], { cwd: root, env, out })
  )
  progress.mark('train')
  const registration = JSON.parse(
    readFileSync(resolve(root, params.register.out_file), 'utf8')
  ) as {
    version: string
  }
  const version = String(registration.version)
  progress.info(`registered version ${version} of "${model}" in MLflow (${mlflowUrl})`)

  // 2-3. Control plane (PGlite in the state directory), then the Worker it publishes to.
  const controlPlane = await progress.step(STEPS[1], () =>
    startControlPlane(root, state, secrets, { modelName: model, mlflowUri: mlflowUrl, ports })
  )
  stops.push({ name: 'the control plane', stop: () => controlPlane.stop() })
  const cpUrl = controlPlane.url
  const cp: ApiTarget = { url: cpUrl, token: secrets.adminToken }
  // The keys the Worker and the storefront's widget trust: the control plane's, read once.
  const { keys } = (await callApi<{ keys: Record<string, string> }>(cp, 'GET', '/v1/signing-keys'))
    .body
  const worker = await progress.step(STEPS[2], async () => {
    const telemetryToken = await reporterToken(cp, state, secrets)
    return startWorker(root, state, secrets, {
      trustedKeys: keys,
      telemetryToken,
      controlPlaneUrl: cpUrl,
      port: ports.worker,
    })
  })
  stops.push({ name: 'the Worker', stop: () => worker.stop() })
  writeShellEnv(state, {
    FCV_CONTROL_PLANE_URL: cpUrl,
    FCV_ADMIN_TOKEN: secrets.adminToken,
    FCV_RELEASE_TOKEN: secrets.adminToken,
    FCV_EDGE_URL: worker.url,
  })

  // 4. Promotion through the gates, then until the Worker serves the version on both channels.
  const { forced } = await progress.step(STEPS[3], async () => {
    const r = await syncAndPromote({
      controlPlaneUrl: cpUrl,
      adminToken: secrets.adminToken,
      model,
      version,
      strictGates: args.strictGates,
      out,
    })
    // Pushed at promotion; a reconciliation pass covers a push that found the Worker busy.
    await callApi(cp, 'POST', '/v1/publish-targets/reconcile')
    await waitUntilServed(worker.url, version)
    return r
  })

  // 5. The demo customers: real histories of the log before the test cutoff, the model's as-of.
  const customersFile = state.path('demo', 'customers.json')
  mkdirSync(state.path('demo'), { recursive: true })
  await runToEnd(
    process.execPath,
    [cli(root), 'export-histories', '--pick', '6', '--out', customersFile, ...setArgs],
    { cwd: root, env, out }
  )
  const customers = JSON.parse(readFileSync(customersFile, 'utf8')) as DemoCustomers
  const first = customers.customers[0]
  if (!first) throw new Error(`${customersFile}: the log has no customer before ${customers.asOf}`)
  const request = {
    customers: [{ customerId: first.customerId, transactions: first.transactions }],
    asOf: customers.asOf,
  }
  writeFileSync(state.path('demo', 'predict-request.json'), JSON.stringify(request, null, 2) + '\n')
  await progress.step(STEPS[4], async () => {
    const p = (await predictAtEdge(worker.url, [first], customers.asOf)).predictions[0]
    if (typeof p?.['expected'] !== 'number') {
      throw new Error(
        `POST /v1/predict gave no prediction for ${first.customerId}: ${JSON.stringify(p)}`
      )
    }
    progress.mark('first edge prediction')
    out(
      `customer ${first.customerId}: expected ${p['expected'].toFixed(2)} over the next 90 days (version ${p.modelVersion})`
    )
  })

  // 6. The storefront: the widget built into the state directory, the customers of this log.
  const demo = await progress.step(STEPS[5], async () => {
    const dist = state.path('widget')
    await buildWidget(dist)
    copyFileSync(customersFile, join(dist, 'demo', 'customers.json'))
    const trustedKeys = trustedKeysAttribute(keys)
    return startDemoServer({ edgeUrl: worker.url, trustedKeys, port: ports.demo, dist })
  })
  stops.push({ name: 'the storefront', stop: () => demo.close() })

  // 7. The widget in a real browser, as a shopper would see it (when Chromium is installed).
  let browser: Browser | null = null
  if (existsSync(CHROMIUM)) {
    // The loop stops the browser itself, in order: Playwright must not exit the process on Ctrl-C.
    browser = await launchChromium({
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    })
    const b = browser
    stops.push({ name: 'Chromium', stop: () => b.close() })
    await progress.step(STEPS[6], async () => {
      const d = await widgetPrediction(b, demo.url, 0)
      progress.mark('first widget prediction')
      out(
        `the widget scored ${first.customerId} in the page: expected ${d.prediction.expected.toFixed(2)} (version ${d.model.version})`
      )
    })
  } else if (args.check) {
    throw new Error(
      `${CHROMIUM} is missing: --check needs it (apt-get install -y chromium; scripts/setup.sh does)`
    )
  } else {
    progress.info(
      `skipped the widget's first prediction: no ${CHROMIUM} (open the storefront in a browser)`
    )
  }

  // 8. Prometheus, when it is installed.
  let prometheus: ChildServer | null = null
  if (withPrometheus) {
    prometheus = await progress.step(STEPS[7], () => startPrometheus(root, state, ports))
    const p = prometheus
    stops.push({ name: 'Prometheus', stop: () => p.stop() })
  } else {
    progress.info(
      args.prometheus
        ? 'Prometheus is not installed (apt-get install -y prometheus): skipped'
        : 'Prometheus: skipped (--no-prometheus)'
    )
  }

  const loop: RunningLoop = {
    params,
    model,
    version,
    state,
    secrets,
    mlflowUrl,
    env,
    controlPlane,
    worker,
    demo,
    prometheus,
    browser,
    customers,
    forced,
    stop: stopAll,
  }
  writeLoopJson(loop, progress)
  return loop
}

export function addresses(loop: RunningLoop): Record<string, string> {
  return {
    storefront: loop.demo.url,
    admin: `${loop.controlPlane.url}/admin`,
    'API docs': `${loop.controlPlane.url}/docs`,
    'MLflow UI': loop.mlflowUrl,
    metrics: `${loop.controlPlane.url}/metrics`,
    ...(loop.prometheus ? { Prometheus: loop.prometheus.url } : {}),
    edge: loop.worker.url,
  }
}

/** loop.json: what runs where, which version, how long each part took (no secrets). */
export function writeLoopJson(loop: RunningLoop, progress: Progress): void {
  writePrivate(
    loop.state.path('loop.json'),
    JSON.stringify(
      {
        pid: process.pid,
        model: loop.model,
        version: loop.version,
        forced: loop.forced,
        addresses: addresses(loop),
        controlPlanePid: loop.controlPlane.child.pid,
        asOf: loop.customers.asOf,
        timings: progress.marks,
      },
      null,
      2
    ) + '\n'
  )
}
