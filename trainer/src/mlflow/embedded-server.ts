import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  readFileSync,
  writeFileSync,
  rmSync,
} from 'node:fs'
import { join, resolve } from 'node:path'
import { MlflowConfigError } from '@fcv/core'

/** The MLflow version requirements.txt pins; named in the install hint. */
export const PINNED_MLFLOW = '3.17.2'

export interface EmbeddedServerOptions {
  /** Holds mlflow.db (SQLite store), artifacts/, server.log and server.json. */
  dir: string
  host?: string
  port: number
  /** The `mlflow` executable; found by findMlflow() when absent. */
  bin?: string
  /** Keep running after this process exits (the pipeline's server); tests stop theirs. */
  detached?: boolean
  /** How long to wait for /health. */
  startTimeoutMs?: number
  log?: (line: string) => void
  /** Extra arguments for `mlflow server`, e.g. `--app-name basic-auth`. */
  extraArgs?: string[]
  /** Extra environment for the server. */
  env?: Record<string, string>
}

export interface RunningServer {
  url: string
  /** Null when an already running server was reused. */
  process: ChildProcess | null
  reused: boolean
  stop(): Promise<void>
}

/**
 * The `mlflow` executable: the project venv's (scripts/setup.sh installs the pinned version
 * there), else one on PATH. Null when neither exists.
 */
export function findMlflow(root = process.cwd()): string | null {
  const venv = resolve(root, '.venv/bin/mlflow')
  if (existsSync(venv)) return venv
  const found = spawnSync('sh', ['-c', 'command -v mlflow'], { encoding: 'utf8' })
  const path = found.status === 0 ? found.stdout.trim() : ''
  return path || null
}

/** What to tell someone who has no MLflow, depending on whether Python itself is there. */
export function installHint(): string {
  const python = spawnSync('python3', ['--version'], { encoding: 'utf8' }).status === 0
  const get = python
    ? `run \`bash scripts/setup.sh\` (it creates .venv with mlflow==${PINNED_MLFLOW} from requirements.txt), ` +
      `or \`python3 -m pip install 'mlflow[auth]==${PINNED_MLFLOW}'\``
    : `install Python 3 (Debian: \`apt-get install -y python3 python3-venv\`), then run \`bash scripts/setup.sh\``
  return (
    `MLflow is not installed here: ${get}; or set MLFLOW_TRACKING_URI to an MLflow server you run; ` +
    `or pass --no-mlflow to skip registration`
  )
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })
    await res.body?.cancel()
    return res.ok
  } catch {
    return false
  }
}

async function isMlflow(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/version`, { signal: AbortSignal.timeout(2000) })
    return res.ok && /^\d+\.\d+/.test((await res.text()).trim())
  } catch {
    return false
  }
}

async function portAnswers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
    await res.body?.cancel()
    return true
  } catch {
    return false
  }
}

/**
 * Starts `mlflow server` on a SQLite store in `dir`, bound to 127.0.0.1, serving artifacts from
 * `dir/artifacts` through its proxy, and waits until it answers. An MLflow server already
 * answering on that port is reused; anything else on the port is an error that says so.
 */
export async function startEmbeddedServer(o: EmbeddedServerOptions): Promise<RunningServer> {
  const host = o.host ?? '127.0.0.1'
  const url = `http://${host}:${o.port}`
  const log = o.log ?? (() => {})
  if (await healthy(url)) {
    if (await isMlflow(url)) return { url, process: null, reused: true, stop: async () => {} }
    throw new MlflowConfigError(
      `port ${o.port} on ${host} answers but is not an MLflow server; choose another with --set register.embedded.port=N`
    )
  }
  if (await portAnswers(url)) {
    throw new MlflowConfigError(
      `port ${o.port} on ${host} is taken by something that is not an MLflow server; choose another with --set register.embedded.port=N`
    )
  }
  const bin = o.bin ?? findMlflow()
  if (!bin) throw new MlflowConfigError(installHint())
  const dir = resolve(o.dir)
  mkdirSync(dir, { recursive: true })
  const logPath = join(dir, 'server.log')
  const out = openSync(logPath, 'a')
  const args = [
    'server',
    '--backend-store-uri',
    `sqlite:///${join(dir, 'mlflow.db')}`,
    '--artifacts-destination',
    join(dir, 'artifacts'),
    '--host',
    host,
    '--port',
    String(o.port),
    '--workers',
    '1',
    ...(o.extraArgs ?? []),
  ]
  log(`mlflow: starting ${bin} ${args.join(' ')} (log: ${logPath})`)
  const child = spawn(bin, args, {
    cwd: dir,
    // Its own process group: `mlflow server` runs the web server as a child, and stopping the
    // group stops both.
    detached: true,
    stdio: ['ignore', out, out],
    // No background job runner: fcv needs none, and it leaves worker processes and /dev/shm dirs.
    env: {
      ...process.env,
      MLFLOW_TRACKING_URI: undefined,
      MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false',
      ...o.env,
    } as NodeJS.ProcessEnv,
  })
  closeSync(out)
  let exited: string | null = null
  child.once('exit', (code, signal) => (exited = signal ?? `exit code ${code}`))
  child.once('error', (e) => (exited = e.message))
  const deadline = Date.now() + (o.startTimeoutMs ?? 120_000)
  while (!(await healthy(url))) {
    if (exited !== null || Date.now() > deadline) {
      if (exited === null) killGroup(child.pid!, 'SIGKILL')
      const tail = readFileSync(logPath, 'utf8').split('\n').slice(-15).join('\n')
      throw new MlflowConfigError(
        `mlflow server did not start on ${url} (${exited ?? 'no answer in time'}); last lines of ${logPath}:\n${tail}`
      )
    }
    await new Promise((r) => setTimeout(r, 300))
  }
  if (o.detached) {
    child.unref()
    writeFileSync(join(dir, 'server.json'), JSON.stringify({ pid: child.pid, url }, null, 1) + '\n')
  }
  return { url, process: child, reused: false, stop: () => stopProcess(child) }
}

/** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise<void>((r) => child.once('exit', () => r()))
  killGroup(child.pid!, 'SIGTERM')
  const timer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), graceMs)
  await gone
  clearTimeout(timer)
  killGroup(child.pid!, 'SIGKILL') // anything of the group still left
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // the group is gone already
  }
}

/** Stops the detached server recorded in `dir/server.json`, if it is still running. */
export async function stopEmbeddedServer(dir: string): Promise<string | null> {
  const record = join(resolve(dir), 'server.json')
  if (!existsSync(record)) return null
  const { pid, url } = JSON.parse(readFileSync(record, 'utf8')) as { pid: number; url: string }
  rmSync(record, { force: true })
  // Only while it still answers as MLflow: the recorded pid may belong to another process by now.
  if (!(await isMlflow(url))) return null
  killGroup(pid, 'SIGTERM')
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100))
  killGroup(pid, 'SIGKILL')
  return url
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
