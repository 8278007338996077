// Test support: the control plane in-process on PGlite (in memory) against a real MLflow server,
// with a fresh signing key and bootstrap admin token.

import { connectionTo, generateSigningKey, MlflowClient } from '@fcv/core'
import { Writable } from 'node:stream'
import { createApp } from '../app.ts'
import { loadConfig, type Config } from '../config.ts'
import { createLogger } from '../log.ts'
import type { Metrics } from '../metrics.ts'
import { createServices, type Services } from '../services.ts'

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef'

export interface TestApp {
  services: Services
  mlflow: MlflowClient
  publicKey: string
  keyId: string
  logs: string[]
  call(
    method: string,
    path: string,
    o?: { token?: string | null; body?: unknown; headers?: Record<string, string> }
  ): Promise<{ status: number; body: any; headers: Headers }> // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): Promise<void>
}

export async function startTestApp(
  mlflowUri: string,
  env: Record<string, string> = {},
  o: { metrics?: Metrics; now?: () => number } = {}
): Promise<TestApp> {
  const key = await generateSigningKey()
  const logs: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString())
      done()
    },
  })
  const config: Config = loadConfig({
    FCV_DATA_DIR: ':memory:',
    MLFLOW_TRACKING_URI: mlflowUri,
    FCV_ADMIN_TOKEN: ADMIN_TOKEN,
    FCV_SIGNING_KEY: key.privateKeyPkcs8,
    FCV_PROMOTION_LEASE_MS: '1000',
    MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1',
    MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.01',
    ...env,
  })
  const services = await createServices(config, createLogger('info', sink), {
    MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1',
    MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.01',
  })
  if (o.now) services.now = o.now
  const app = createApp(services, o.metrics)
  return {
    services,
    mlflow: new MlflowClient(connectionTo(mlflowUri, {})),
    publicKey: key.publicKey,
    keyId: key.keyId,
    logs,
    async call(method, path, o = {}) {
      const token = o.token === undefined ? ADMIN_TOKEN : o.token
      const res = await app.request(path, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...o.headers,
        },
        ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
      })
      const text = await res.text()
      let body: unknown = text
      try {
        body = JSON.parse(text)
      } catch {
        // not JSON
      }
      return { status: res.status, body, headers: res.headers }
    },
    close: () => services.db.close(),
  }
}
