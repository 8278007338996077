// The production Worker as deployed: built by `wrangler deploy --dry-run`, run in workerd by
// Miniflare on 127.0.0.1 with wrangler.toml's bindings (edge-worker/local/built-worker.ts), given
// the model as a signed bundle through PUT /_admin/bundle with the headers the control plane's
// HttpPushPublisher sends.

import path from 'node:path'
import { buildBundle, generateSigningKey, importSigningKey, type SigningKey } from '@fcv/core'
import { LogLevel } from 'miniflare'
import {
  buildDir,
  buildWorker,
  FileLog,
  startBuiltWorker,
  type BuiltWorker,
} from '../../edge-worker/local/built-worker.ts'
import { StepError } from '../common.ts'
import type { ModelFiles } from './inputs.ts'

const PUBLISHER_TOKEN = 'bench-publisher-token'
const MODEL_NAME = 'fcv-customer-value'

export interface RunningWorker {
  url: string
  version: string
  /** The bindings given on top of wrangler.toml's. */
  overrides: Record<string, string>
  stop(): Promise<void>
}

async function pushBundle(
  worker: BuiltWorker,
  model: ModelFiles,
  version: string,
  signer: SigningKey
): Promise<void> {
  const meta = model.meta
  const built = await buildBundle(
    {
      manifest: {
        name: MODEL_NAME,
        version,
        created: new Date().toISOString(),
        horizonDays: 90,
        currency: 'GBP',
        featureSpec: meta['featureSpec'] as { version: string },
        normalisation: meta['encoding'] as Record<string, unknown>,
        model: { format: 'fcv-ziln', formatVersion: Number(meta['formatVersion']) },
        metrics: {},
        mlflow: { runId: 'bench', modelVersion: version },
      },
      modelJson: model.modelJson,
      weights: model.weights,
    },
    signer
  )
  const res = await fetch(`${worker.url}/_admin/bundle`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${PUBLISHER_TOKEN}`,
      'content-type': 'application/json',
      'x-fcv-model': MODEL_NAME,
      'x-fcv-version': version,
      'x-fcv-channel': 'edge',
      'x-fcv-role': 'champion',
      'x-fcv-digest': built.digest,
    },
    body: built.bytes as BodyInit,
  })
  if (res.status !== 200) {
    throw new StepError(`PUT /_admin/bundle: HTTP ${res.status} ${await res.text()}`)
  }
}

/**
 * Builds and starts the Worker and pushes the model; `maxCustomers` raises
 * MAX_CUSTOMERS_PER_REQUEST (and the body limit) for the 1,000-history request.
 */
export async function startWorker(
  model: ModelFiles,
  maxCustomers: number,
  logFile: string,
  /** More wrangler.toml vars to override (e.g. MODEL_REFRESH_SECONDS). */
  extra: Record<string, string> = {}
): Promise<RunningWorker> {
  const build = await buildDir()
  let worker: BuiltWorker | undefined
  try {
    const script = await buildWorker(build.dir)
    const material = await generateSigningKey()
    const signer = await importSigningKey(material.privateKeyPkcs8)
    const overrides = {
      PUBLISHER_TOKEN,
      TRUSTED_KEYS: JSON.stringify({ [material.keyId]: material.publicKey }),
      MAX_CUSTOMERS_PER_REQUEST: String(maxCustomers),
      MAX_PREDICT_BODY_BYTES: String(64 * 2 ** 20),
      ...extra,
    }
    // WARN, not INFO: at INFO Miniflare's entry worker reports every request to Node through its
    // loopback ("POST /v1/predict 200 OK (3ms)"), which costs both processes CPU on every request.
    const log = new FileLog(logFile, LogLevel.WARN)
    worker = await startBuiltWorker({ script, bindings: overrides, log })
    const version = `${model.source}-${path.basename(model.dir)}`
    await pushBundle(worker, model, version, signer)
    const running = worker
    return {
      url: running.url,
      version,
      overrides: { ...overrides, PUBLISHER_TOKEN: '(set)', TRUSTED_KEYS: '(the bench key)' },
      async stop() {
        await running.stop()
        await build.remove()
      },
    }
  } catch (e) {
    await worker?.stop()
    await build.remove()
    throw e
  }
}
