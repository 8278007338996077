// The seed project's serving stack for the side-by-side: bench/edge/flask_rf.py (Flask +
// scikit-learn RandomForestRegressor(1000 trees) under gunicorn) on 127.0.0.1, from the pinned
// project venv. It trains at start (~20-30 s on this machine), then answers /health.
// It runs in its own process group, so stop() ends the gunicorn master and its workers together.

import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, existsSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { capture, REPO_ROOT, StepError, VENV_HELP } from '../common.ts'

const SCRIPT = path.join(REPO_ROOT, 'bench', 'edge', 'flask_rf.py')
const READY_TIMEOUT_MS = 240_000

export interface FlaskVersions {
  executable: string
  python: string
  flask: string
  sklearn: string
  gunicorn: string
}

export interface RunningFlask {
  url: string
  pid: number
  workers: number
  trees: number
  /** What flask_rf.py printed after training. */
  trained: { trained_s: number; rows: number; features: string[] }
  stop(): Promise<void>
}

export async function flaskPython(): Promise<FlaskVersions> {
  const fromEnv = process.env['FCV_PYTHON']
  const executable = fromEnv ?? path.join(REPO_ROOT, '.venv', 'bin', 'python')
  if (!fromEnv && !existsSync(executable)) {
    throw new StepError(`Python not found at ${executable}.\n${VENV_HELP}`)
  }
  const script =
    'import json, sys; from importlib.metadata import version as v; import flask, sklearn, gunicorn, pyarrow; ' +
    'print(json.dumps({"python": sys.version.split()[0], "flask": v("flask"), ' +
    '"sklearn": v("scikit-learn"), "gunicorn": v("gunicorn")}))'
  const out = await capture(executable, ['-c', script])
  if (out === undefined) {
    throw new StepError(
      `${executable} cannot import flask, scikit-learn, gunicorn and pyarrow.\n${VENV_HELP}`
    )
  }
  return { executable, ...(JSON.parse(out) as Omit<FlaskVersions, 'executable'>) }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal)
  } catch {
    // already gone
  }
}

export interface FlaskProcess {
  /** Resolves when /health answers (after training); rejects when the server exits or stops. */
  ready: Promise<RunningFlask>
  /** Ends the master and its workers (SIGTERM, SIGKILL after 10 s); safe to call at any time. */
  stop(): Promise<void>
}

/** Spawns flask_rf.py; stop() works at once, also while it is still training. */
export async function startFlask(
  python: string,
  train: string,
  workers: number,
  logFile: string
): Promise<FlaskProcess> {
  const port = await freePort()
  const out = createWriteStream(logFile)
  const child = spawn(
    python,
    [SCRIPT, '--train', train, '--port', String(port), '--workers', String(workers)],
    { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }
  )
  const gone = exited(child)
  // Whatever happens to this process, the server does not outlive it.
  const onExit = () => signalGroup(child, 'SIGKILL')
  process.once('exit', onExit)
  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      signalGroup(child, 'SIGTERM')
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 10_000)
      await gone
      clearTimeout(timer)
      signalGroup(child, 'SIGKILL') // workers left behind by a master that died first
      process.removeListener('exit', onExit)
      out.end()
    })())

  let firstLine = ''
  let stdout = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out.write(d)
    if (!firstLine) {
      stdout += d
      const nl = stdout.indexOf('\n')
      if (nl >= 0) firstLine = stdout.slice(0, nl)
    }
  })
  child.stderr!.on('data', (d: Buffer) => out.write(d))

  const url = `http://127.0.0.1:${port}`
  const ready = (async (): Promise<RunningFlask> => {
    const deadline = Date.now() + READY_TIMEOUT_MS
    for (;;) {
      if (stopping) throw new StepError('flask_rf.py was stopped before it was ready')
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new StepError(
          `flask_rf.py exited (${child.exitCode ?? child.signalCode}); log ${logFile}`
        )
      }
      if (Date.now() > deadline) {
        throw new StepError(
          `flask_rf.py not ready after ${READY_TIMEOUT_MS / 1000} s; log ${logFile}`
        )
      }
      if (firstLine) {
        const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then(
          (r) => r.ok,
          () => false
        )
        if (ok) break
      }
      await new Promise((r) => setTimeout(r, 500))
    }
    const trained = JSON.parse(firstLine) as RunningFlask['trained']
    return { url, pid: child.pid!, workers, trees: 1000, trained, stop }
  })()
  // A failed start stops the server; the caller sees the rejection through `ready`.
  ready.catch(() => stop())
  return { ready, stop }
}
