// Real MLflow servers for the tests: the same starter the pipeline uses, on a free loopback port
// with a throwaway store. Test support only.

import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { startEmbeddedServer, type RunningServer } from './embedded-server.ts'

export const ROOT = resolve(import.meta.dirname, '../../..')

export async function freePort(): Promise<number> {
  return await new Promise((ok, fail) => {
    const s = createServer()
    s.once('error', fail)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => ok(port))
    })
  })
}

export function mlflowBin(): string {
  return join(ROOT, '.venv/bin/mlflow')
}

export function venvPython(): string {
  return join(ROOT, '.venv/bin/python')
}

export async function startTestServer(
  extra: { extraArgs?: string[]; env?: Record<string, string>; dir?: string } = {}
): Promise<RunningServer & { dir: string }> {
  const dir = extra.dir ?? mkdtempSync(join(tmpdir(), 'fcv-mlflow-'))
  const server = await startEmbeddedServer({
    dir,
    port: await freePort(),
    bin: mlflowBin(),
    startTimeoutMs: 180_000,
    ...(extra.extraArgs ? { extraArgs: extra.extraArgs } : {}),
    ...(extra.env ? { env: extra.env } : {}),
  })
  return { ...server, dir }
}

/** MLflow's basic-auth app with its own user database and an admin account set here. */
export async function startBasicAuthServer(admin: { username: string; password: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'fcv-mlflow-auth-'))
  const config = join(dir, 'auth.ini')
  writeFileSync(
    config,
    [
      '[mlflow]',
      'default_permission = READ',
      `database_uri = sqlite:///${join(dir, 'auth.db')}`,
      `admin_username = ${admin.username}`,
      `admin_password = ${admin.password}`,
      'authorization_function = mlflow.server.auth:authenticate_request_basic_auth',
      '',
    ].join('\n')
  )
  return await startTestServer({
    dir,
    extraArgs: ['--app-name', 'basic-auth'],
    env: {
      MLFLOW_AUTH_CONFIG_PATH: config,
      MLFLOW_FLASK_SERVER_SECRET_KEY: `fcv-test-${process.pid}-${Date.now()}`,
    },
  })
}
