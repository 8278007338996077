// Helpers shared by the benchmarks: paths, progress lines, child processes with timing and rusage,
// probes, the Python probe, machine information and results.json (targets: targets.ts).

import { spawn, spawnSync } from 'node:child_process'
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export const REPO_ROOT = path.resolve(import.meta.dirname, '..')
export const BENCH_OUT = path.join(REPO_ROOT, 'bench', 'out')
export const RESULTS_FILE = path.join(REPO_ROOT, 'bench', 'results.json')
/** The bundled CLI: what `npm run fcv`, DVC and users run (see the build stage in dvc.yaml). */
export const CLI = path.join(REPO_ROOT, 'trainer', 'dist', 'fcv.mjs')
/** The full UCI Online Retail II development log (not in the repository; skipped when absent). */
export const REAL_LOG = path.resolve(
  REPO_ROOT,
  '../shared/data/online-retail-ii/online_retail_II_until_2011-09-09.csv.gz'
)

/**
 * One input's run directory in the features benchmark: the timed steps write it, the agreement
 * check reads it.
 */
export function runLayout(inputId: string) {
  const dir = path.join(BENCH_OUT, 'runs', inputId)
  return {
    dir,
    logs: path.join(dir, 'logs'),
    fcvInterim: path.join(dir, 'fcv-interim'),
    fcvProcessed: path.join(dir, 'fcv-processed'),
    pandas: path.join(dir, 'pandas'),
    fcvIngestRusage: path.join(dir, 'fcv-ingest.rusage.json'),
    fcvFeaturesRusage: path.join(dir, 'fcv-features.rusage.json'),
    pandasRusage: path.join(dir, 'pandas.rusage.json'),
  }
}

/** Rebuilds the bundle from the current sources, so a benchmark never measures a stale build. */
export function buildCli(): void {
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'inherit' })
  if (r.status !== 0)
    throw new Error('npm run build failed; the benchmark needs trainer/dist/fcv.mjs')
}

const t0 = performance.now()

export function log(message: string): void {
  const s = ((performance.now() - t0) / 1000).toFixed(1).padStart(7)
  process.stdout.write(`[bench ${s}s] ${message}\n`)
}

/** Resource usage written by a child (fcv: FCV_RUSAGE_OUT; pandas_reference.py: --rusage-out). */
export interface Rusage {
  maxRssKb: number
  userMs: number
  systemMs: number
  wallMs: number
  [extra: string]: unknown
}

export interface StepResult {
  /** Wall clock measured by the harness, from spawn to exit, in seconds. */
  wallS: number
  rusage: Rusage | null
  logFile: string
}

export class StepError extends Error {
  override name = 'StepError'
}

/**
 * Runs one step as a child process, output to `logFile`; throws with the log's tail when it fails.
 * Prints a line when the step starts and when it ends.
 */
export async function runStep(
  label: string,
  command: string,
  args: readonly string[],
  o: { logFile: string; rusageFile?: string; env?: Record<string, string>; quiet?: boolean }
): Promise<StepResult> {
  mkdirSync(path.dirname(o.logFile), { recursive: true })
  if (o.rusageFile) rmSync(o.rusageFile, { force: true })
  if (!o.quiet) log(`▶ ${label}`)
  const out = createWriteStream(o.logFile)
  const opened = new Promise<void>((resolve, reject) => {
    out.once('open', () => resolve())
    out.once('error', reject)
  })
  await opened
  out.write(`$ ${command} ${args.join(' ')}\n`)
  const start = performance.now()
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout.pipe(out, { end: false })
    child.stderr.pipe(out, { end: false })
    child.once('error', reject)
    child.once('close', (c, signal) => resolve(signal ? 128 : c))
  })
  const wallS = (performance.now() - start) / 1000
  await new Promise<void>((resolve) => out.end(resolve))
  if (code !== 0) {
    const tail = readFileSync(o.logFile, 'utf8').split('\n').slice(-25).join('\n')
    throw new StepError(`${label} failed (exit ${code}); log ${o.logFile}:\n${tail}`)
  }
  let rusage: Rusage | null = null
  if (o.rusageFile && existsSync(o.rusageFile)) {
    rusage = JSON.parse(readFileSync(o.rusageFile, 'utf8')) as Rusage
  }
  const rss = rusage ? `, peak RSS ${mb(rusage.maxRssKb).toFixed(0)} MB` : ''
  if (!o.quiet) log(`✓ ${label}: ${wallS.toFixed(2)} s${rss}`)
  return { wallS, rusage, logFile: o.logFile }
}

export function mb(kb: number): number {
  return kb / 1024
}

/** Megabytes for a table cell, 'n/a' when unknown. */
export const fmtMb = (kb: number) => (Number.isFinite(kb) ? mb(kb).toFixed(0) : 'n/a')

/** User + system CPU time in seconds; NaN when the child reported no rusage. */
export function cpuSeconds(u: Rusage | null): number {
  return ((u?.userMs ?? Number.NaN) + (u?.systemMs ?? Number.NaN)) / 1000
}

export interface ProbeResult {
  /** null when the command could not be started or was killed. */
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a command to its end and returns its exit code and output (for probes, not timed steps). */
export async function probe(command: string, args: readonly string[]): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.once('error', (err) => resolve({ code: null, stdout, stderr: err.message }))
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Runs a command and returns its stdout (for version probes); undefined when it fails. */
export async function capture(
  command: string,
  args: readonly string[]
): Promise<string | undefined> {
  const r = await probe(command, args)
  return r.code === 0 ? r.stdout : undefined
}

// ------------------------------------------------------------------------------------------ python

export const VENV_HELP =
  'Create the project venv from the repo root with\n' +
  '    python3 -m venv .venv && .venv/bin/pip install -r requirements.txt\n' +
  'or point FCV_PYTHON at a Python that has pandas and pyarrow.'

export interface PythonInfo {
  executable: string
  python: string
  pandas: string
  pyarrow: string
  numpy: string
}

/** The benchmark's Python: $FCV_PYTHON, else .venv/bin/python at the repo root. */
export async function findPython(): Promise<PythonInfo> {
  const fromEnv = process.env['FCV_PYTHON']
  const executable = fromEnv ?? path.join(REPO_ROOT, '.venv', 'bin', 'python')
  if (!fromEnv && !existsSync(executable)) {
    throw new StepError(`Python not found at ${executable}.\n${VENV_HELP}`)
  }
  const script =
    'import json, sys, numpy, pandas, pyarrow; print(json.dumps({"python": sys.version.split()[0], ' +
    '"pandas": pandas.__version__, "pyarrow": pyarrow.__version__, "numpy": numpy.__version__}))'
  const out = await capture(executable, ['-c', script])
  if (out === undefined) {
    throw new StepError(`${executable} cannot import pandas, pyarrow and numpy.\n${VENV_HELP}`)
  }
  return { executable, ...(JSON.parse(out) as Omit<PythonInfo, 'executable'>) }
}

// ----------------------------------------------------------------------------------------- machine

/** The checked-out commit, read from .git without running git; undefined when unknown. */
export function gitCommit(): string | undefined {
  try {
    const gitDir = path.join(REPO_ROOT, '.git')
    const head = readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim()
    if (!head.startsWith('ref: ')) return /^[0-9a-f]{40}$/.test(head) ? head : undefined
    const ref = head.slice(5)
    const loose = path.join(gitDir, ref)
    if (existsSync(loose)) return readFileSync(loose, 'utf8').trim()
    const packed = path.join(gitDir, 'packed-refs')
    if (!existsSync(packed)) return undefined
    for (const line of readFileSync(packed, 'utf8').split('\n')) {
      const [sha, name] = line.split(' ')
      if (name === ref && sha) return sha
    }
  } catch {
    // no repository
  }
  return undefined
}

export function machineInfo(py: PythonInfo | undefined): Record<string, unknown> {
  const cpus = os.cpus()
  return {
    date: new Date().toISOString(),
    host: os.hostname(),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model,
    totalMemMb: Math.round(os.totalmem() / 2 ** 20),
    node: process.version,
    python: py?.python,
    pandas: py?.pandas,
    pyarrow: py?.pyarrow,
    numpy: py?.numpy,
    gitCommit: gitCommit() ?? null,
  }
}

// ----------------------------------------------------------------------------------------- results

/**
 * Replaces one benchmark's entry in bench/results.json and keeps every other key. `savedAt` tells
 * the suite the entry is this run's and not one left from an earlier run.
 */
export function saveResults(name: string, entry: Record<string, unknown>): void {
  let all: Record<string, unknown> = {}
  if (existsSync(RESULTS_FILE)) {
    try {
      all = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Record<string, unknown>
    } catch {
      log(`${RESULTS_FILE} is not valid JSON; starting it afresh`)
    }
  }
  all[name] = { savedAt: new Date().toISOString(), ...entry }
  writeFileSync(RESULTS_FILE, JSON.stringify(all, null, 2) + '\n')
  log(`results written to ${path.relative(REPO_ROOT, RESULTS_FILE)} (key "${name}")`)
}

/** The q-quantile of already sorted values (the nearest rank below); NaN for none. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

export const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

/** The sample standard deviation (n - 1); NaN for fewer than two values. */
export function sd(xs: readonly number[]): number {
  if (xs.length < 2) return Number.NaN
  const m = mean(xs)
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1))
}
