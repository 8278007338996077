// Test support: the control plane as a real process (`node control-plane/src/main.ts`), for the
// tests that kill it.

import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { freePort } from '../../../trainer/src/mlflow/test-server.ts'

const MAIN = join(import.meta.dirname, '../main.ts')

export interface ControlPlaneProcess {
  url: string
  child: ChildProcess
  output: () => string
  kill(signal: NodeJS.Signals): Promise<void>
}

export async function startControlPlane(
  env: Record<string, string>,
  port?: number
): Promise<ControlPlaneProcess> {
  const p = port ?? (await freePort())
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(p), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const url = `http://127.0.0.1:${p}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`control plane exited ${child.exitCode}: ${out}`)
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false
    )
    if (ok) break
    if (Date.now() > deadline) throw new Error(`control plane did not start: ${out}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    child,
    output: () => out,
    kill: (signal) =>
      new Promise<void>((ok) => {
        if (child.exitCode !== null || child.signalCode !== null) return ok()
        child.once('exit', () => ok())
        child.kill(signal)
      }),
  }
}
