#!/usr/bin/env node
// The control plane process: configuration, database (migrated), services, HTTP server, and a
// graceful stop on SIGTERM/SIGINT that lets in-flight requests finish.

import { serve } from '@hono/node-server'
import { createApp } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'
import { createLogger } from './log.ts'
import { createServices } from './services.ts'

async function main(): Promise<void> {
  let config
  try {
    config = loadConfig(process.env)
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`fcv control plane: ${e.message}\n`)
      process.exit(2)
    }
    throw e
  }
  const log = createLogger(config.LOG_LEVEL)
  const services = await createServices(config, log, process.env)
  const app = createApp(services)
  const server = serve({ fetch: app.fetch, hostname: config.HOST, port: config.PORT }, (info) =>
    log.info(
      { url: `http://${info.address}:${info.port}`, database: services.db.kind },
      'listening'
    )
  )
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
