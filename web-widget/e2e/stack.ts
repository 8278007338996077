// The widget's whole path, each part as it runs for real, on loopback: a real MLflow (the global
// setup's), the control plane as its own process (PGlite), the Worker as `wrangler deploy` builds it
// in workerd under Miniflare, the built widget and demo shop behind demo/serve.ts, and headless
// Debian Chromium. Used by the e2e tests and by the widget benchmark's timings.

import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectionTo, generateSigningKey, MlflowClient, type CalibratedWindow } from '@fcv/core'
import type { Browser } from 'playwright-core'
import { launchChromium } from '../../control-plane/src/test-support/chromium.ts'
import { ADMIN_TOKEN } from '../../control-plane/src/test-support/harness.ts'
import {
  startControlPlane,
  type ControlPlaneProcess,
} from '../../control-plane/src/test-support/process.ts'
import {
  goodTags,
  registerVersion,
  withWindow,
} from '../../control-plane/src/test-support/registry.ts'
import {
  buildDir,
  buildWorker,
  startBuiltWorker,
  type BuiltWorker,
} from '../../edge-worker/local/built-worker.ts'
import { freePort } from '../../trainer/src/mlflow/test-server.ts'
import { buildWidget } from '../build.ts'
import { startDemoServer, trustedKeysFrom, type DemoServer } from '../demo/serve.ts'

const PUBLISHER_TOKEN = 'widget-e2e-publisher-token-5c1e93'

/**
 * The calibrated window of the stack's versions: the fixture as `fcv train` would write it at the
 * cutoff before the demo's asOf (2011-06-12), so the demo's every score is outside it and flagged
 * (the Worker and the widget must flag it alike). Historical, so only a forced promotion serves it.
 */
export const STACK_WINDOW: CalibratedWindow = {
  from: '2011-03-14',
  to: '2011-06-12',
  levelAdjusted: true,
}

export interface WidgetStack {
  model: string
  /** Registered versions of the fixture model, in order. */
  versions: string[]
  controlPlane: ControlPlaneProcess
  worker: BuiltWorker
  demo: DemoServer
  browser: Browser
  trustedKeys: string
  /** The control plane's signing key (PKCS#8, base64): tests sign bundles the widget trusts. */
  signingKey: string
  /**
   * POST /v1/models/<model>/promotions on a channel, forced: the fixture's gates are not the point,
   * and its calibrated window (STACK_WINDOW, 2011) ended long ago.
   */
  promote(
    version: string,
    channel: 'edge' | 'widget',
    canaryShare?: number
  ): Promise<Record<string, unknown>>
  /** Ends the channel's canary (share 0). */
  stopCanary(channel: 'edge' | 'widget'): Promise<void>
  close(): Promise<void>
}

export interface WidgetStackOptions {
  /** Merged into every version's model.json fcv metadata (e.g. a featureSpec and a profile). */
  fcv?: Record<string, unknown>
  /** Extra environment of the control plane (e.g. its fleet windows). */
  controlPlaneEnv?: Record<string, string>
}

export async function startWidgetStack(
  mlflowUri: string,
  versions = 2,
  options: WidgetStackOptions = {}
): Promise<WidgetStack> {
  // What is started is stopped again, also when a later step fails.
  const started: (() => Promise<unknown>)[] = []
  const stopAll = async () => {
    for (const stop of started.reverse()) await stop().catch(() => {})
  }
  try {
    return await start(mlflowUri, versions, options, started, stopAll)
  } catch (e) {
    await stopAll()
    throw e
  }
}

async function start(
  mlflowUri: string,
  versions: number,
  options: WidgetStackOptions,
  started: (() => Promise<unknown>)[],
  stopAll: () => Promise<void>
): Promise<WidgetStack> {
  const model = `widget-e2e-${Date.now()}`
  const client = new MlflowClient(connectionTo(mlflowUri, {}))
  const registered: string[] = []
  const windowed = withWindow(STACK_WINDOW)
  if (options.fcv) {
    const doc = JSON.parse(new TextDecoder().decode(windowed.modelJson)) as {
      userDefinedMetadata: { fcv: Record<string, unknown> }
    }
    Object.assign(doc.userDefinedMetadata.fcv, options.fcv)
    windowed.modelJson = new TextEncoder().encode(JSON.stringify(doc))
  }
  for (let i = 0; i < versions; i++) {
    registered.push(
      await registerVersion(
        client,
        model,
        { ...goodTags(), ...windowed.tags },
        { 'model.json': windowed.modelJson }
      )
    )
  }
  const launching = launchChromium()
  started.push(() => launching.then((b) => b.close()))
  const building = buildWidget()
  started.push(() => building)
  const built = await buildDir()
  started.push(() => built.remove())
  const workerScript = await buildWorker(built.dir)

  const signingKey = (await generateSigningKey()).privateKeyPkcs8
  const dataDir = mkdtempSync(join(tmpdir(), 'fcv-widget-e2e-'))
  started.push(async () => rmSync(dataDir, { recursive: true, force: true }))
  const workerPort = await freePort()
  const edgeUrl = `http://127.0.0.1:${workerPort}`
  const controlPlane = await startControlPlane({
    MLFLOW_TRACKING_URI: mlflowUri,
    FCV_DATA_DIR: join(dataDir, 'pglite'),
    FCV_ADMIN_TOKEN: ADMIN_TOKEN,
    FCV_SIGNING_KEY: signingKey,
    FCV_MODEL_NAME: model,
    FCV_EDGE_PUBLISH_URLS: edgeUrl,
    FCV_EDGE_PUBLISH_TOKEN: PUBLISHER_TOKEN,
    FCV_RECONCILE_INTERVAL_SECONDS: '2',
    ...options.controlPlaneEnv,
  })
  started.push(() => controlPlane.kill('SIGTERM'))
  const call = async (path: string, body: unknown, method = 'POST') => {
    const res = await fetch(`${controlPlane.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  const reporter = await call('/v1/tokens', { name: 'widget-e2e-telemetry', role: 'reporter' })
  const keys = (await (await fetch(`${controlPlane.url}/v1/signing-keys`)).json()) as {
    keys: Record<string, string>
  }
  const worker = await startBuiltWorker({
    script: workerScript,
    port: workerPort,
    bindings: {
      PUBLISHER_TOKEN_SHA256: createHash('sha256').update(PUBLISHER_TOKEN).digest('hex'),
      TRUSTED_KEYS: JSON.stringify(keys.keys),
      TELEMETRY_URL: `${controlPlane.url}/v1/telemetry`,
      TELEMETRY_TOKEN: String(reporter.body['token']),
      // A scored request flushes the window (beacons included) to the control plane at once.
      TELEMETRY_FLUSH_PREDICTIONS: '1',
    },
  })
  started.push(() => worker.stop())
  await building
  const trustedKeys = await trustedKeysFrom(controlPlane.url)
  const demo = await startDemoServer({ edgeUrl, trustedKeys })
  started.push(() => demo.close())
  const browser = await launching
  return {
    model,
    versions: registered,
    controlPlane,
    worker,
    demo,
    browser,
    trustedKeys,
    signingKey,
    async promote(version, channel, canaryShare) {
      const r = await call(`/v1/models/${model}/promotions`, {
        version,
        channel,
        ...(canaryShare === undefined ? {} : { canaryShare }),
        reason: `widget e2e: ${channel} runs ${version}`,
        force: true,
      })
      if (r.status !== 200)
        throw new Error(`promotion failed: ${r.status} ${JSON.stringify(r.body)}`)
      return r.body
    },
    async stopCanary(channel) {
      const r = await call(
        `/v1/models/${model}/deployments/${channel}/canary`,
        { share: 0, reason: 'widget e2e: canary over' },
        'PUT'
      )
      if (r.status !== 200)
        throw new Error(`stop canary failed: ${r.status} ${JSON.stringify(r.body)}`)
      // The Worker serves it until its view of the channel refreshes: wait for that, as a person would.
      for (let i = 0; i < 150; i++) {
        const view = (await (await fetch(`${worker.url}/v1/model?channel=${channel}`)).json()) as {
          canary: unknown
        }
        if (view.canary === null) return
        await new Promise((r) => setTimeout(r, 100))
      }
      throw new Error(`the Worker still serves a ${channel} canary 15 s after it was stopped`)
    },
    close: stopAll,
  }
}
