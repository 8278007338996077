// A server the loop starts as a child process: its output appended to a log file in the state
// directory, ready once a URL answers, stopped with SIGTERM (SIGKILL after a grace period).

import { spawn, type ChildProcess } from 'node:child_process'
import { openSync, closeSync, readFileSync } from 'node:fs'

export interface ChildServer {
  name: string
  url: string
  child: ChildProcess
  log: string
  /** Resolves when the process has exited, for whatever reason. */
  exited: Promise<void>
  stop(graceMs?: number): Promise<void>
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}

export async function startChildServer(o: {
  name: string
  command: string
  args: string[]
  env?: NodeJS.ProcessEnv
  cwd?: string
  log: string
  /** Polled until it answers 2xx. */
  readyUrl: string
  url: string
  timeoutMs?: number
}): Promise<ChildServer> {
  const fd = openSync(o.log, 'a')
  const child = spawn(o.command, o.args, {
    cwd: o.cwd,
    env: o.env ?? process.env,
    stdio: ['ignore', fd, fd],
  })
  closeSync(fd)
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  let spawnError: Error | null = null
  child.once('error', (e) => (spawnError = e))
  const stop = async (graceMs = 15_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    child.kill('SIGTERM')
    await exited
    clearTimeout(timer)
  }
  const deadline = Date.now() + (o.timeoutMs ?? 60_000)
  for (;;) {
    if (spawnError)
      throw new Error(`${o.name}: cannot run ${o.command}: ${(spawnError as Error).message}`)
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${o.name} exited (${child.exitCode ?? child.signalCode}) before it was ready; its log (${o.log}) ends:\n${tail(o.log)}`
      )
    }
    const ready = await fetch(o.readyUrl, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false
    )
    if (ready) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(
        `${o.name} was not ready at ${o.readyUrl} in time; its log (${o.log}) ends:\n${tail(o.log)}`
      )
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return { name: o.name, url: o.url, child, log: o.log, exited, stop }
}

/** Runs a command to its end, its output to the loop's console (indented) or a log file. */
export function runToEnd(
  command: string,
  args: string[],
  o: { env?: NodeJS.ProcessEnv; cwd?: string; out: (line: string) => void }
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: o.cwd,
      env: o.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let last: string[] = []
    const lines = (buf: Buffer) => {
      for (const line of buf.toString().split('\n')) {
        if (line.trim() === '') continue
        o.out(line)
        last = [...last.slice(-19), line]
      }
    }
    child.stdout.on('data', lines)
    child.stderr.on('data', lines)
    child.once('error', reject)
    child.once('close', (code, signal) =>
      code === 0
        ? resolve()
        : reject(
            new Error(
              `${[command, ...args].join(' ')} failed (${code ?? signal}):\n${last.join('\n')}`
            )
          )
    )
  })
}
