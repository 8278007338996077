#!/usr/bin/env node
// The control plane process: configuration, database (migrated), services, HTTP server, the
// reconciler (push targets and MLflow aliases), the telemetry retention, and a graceful stop on
// SIGTERM/SIGINT that lets in-flight requests finish.

import { serve } from '@hono/node-server'
import { createApp } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'
import { DataDirInUseError } from './db/data-dir-lock.ts'
import { createLogger } from './log.ts'
import { createServices, type Services } from './services.ts'

function fail(message: string): never {
  process.stderr.write(`fcv control plane: ${message}\n`)
  process.exit(2)
}

async function main(): Promise<void> {
  let config
  try {
    config = loadConfig(process.env)
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message)
    throw e
  }
  const log = createLogger(config.LOG_LEVEL)
  let services: Services
  try {
    services = await createServices(config, log, process.env)
  } catch (e) {
    if (e instanceof DataDirInUseError) fail(e.message)
    throw e
  }
  const app = createApp(services)
  const server = serve({ fetch: app.fetch, hostname: config.HOST, port: config.PORT }, (info) => {
    log.info(
      {
        url: `http://${info.address}:${info.port}`,
        database: services.db.kind,
        pushTargets: services.publishers.map((p) => p.target),
        reconcileEverySeconds: config.FCV_RECONCILE_INTERVAL_SECONDS,
      },
      'listening'
    )
    services.reconciler.start()
    services.aliasSync.start()
    services.telemetryRetention.start()
  })
  server.once('error', (e: NodeJS.ErrnoException) => {
    // Before anything was served: release the database (and its folder's lock), then say why.
    void services.db
      .close()
      .finally(() =>
        fail(
          e.code === 'EADDRINUSE'
            ? `${config.HOST}:${config.PORT} is in use (another control plane?): stop it, or set PORT`
            : `cannot listen on ${config.HOST}:${config.PORT}: ${e.message}`
        )
      )
  })
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    log.info(
      { signal, graceMs: config.FCV_SHUTDOWN_GRACE_MS },
      'stopping: draining in-flight requests'
    )
    const force = setTimeout(() => {
      log.warn('grace period over: closing remaining connections')
      ;(server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.()
    }, config.FCV_SHUTDOWN_GRACE_MS)
    force.unref()
    server.close(async () => {
      await Promise.all([
        services.reconciler.stop(),
        services.aliasSync.stop(),
        services.telemetryRetention.stop(),
      ])
      await services.db.close().catch(() => undefined)
      log.info('stopped')
      process.exit(0)
    })
    ;(server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.()
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}

await main()
