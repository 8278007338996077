// Test support: the control plane of test-support/harness.ts (PGlite in memory, a real MLflow)
// behind a real HTTP listener on a free loopback port, for a browser to load the admin pages.

import { serve } from '@hono/node-server'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createApp } from '../app.ts'
import { startTestApp, type TestApp } from '../test-support/harness.ts'

export interface AdminTestServer extends TestApp {
  /** http://127.0.0.1:<port>, no trailing slash. */
  url: string
  /** Stops listening (dropping open connections) and closes the database. */
  stop(): Promise<void>
}

export async function startAdminTestServer(
  mlflowUri: string,
  env: Record<string, string> = {}
): Promise<AdminTestServer> {
  const t = await startTestApp(mlflowUri, env)
  const app = createApp(t.services)
  const server = await new Promise<Server>((ok, fail) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => ok(s as Server))
    s.once('error', fail)
  })
  const { port } = server.address() as AddressInfo
  return {
    ...t,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await new Promise<void>((ok) => {
        server.close(() => ok())
        server.closeAllConnections()
      })
      await t.close()
    },
  }
}
