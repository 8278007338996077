// The suite: `npm run bench [-- --quick] [--check] [--only a,b]` runs every benchmark, cheapest
// first, each as its own process (a benchmark that fails or leaves something behind cannot stop the
// next), times it, keeps going past a failure, then records the run in bench/results.json under
// "suite" ("suite:quick") and writes bench/SUMMARY.md from it.

import { spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { BENCHMARKS } from './benchmarks.ts'
import { REPO_ROOT, RESULTS_FILE, saveResults, StepError } from './common.ts'
import { describeMachine } from './machine.ts'
import {
  failedTargets,
  renderSummary,
  suiteKey,
  type SuiteBenchmark,
  type SuiteRun,
} from './summary.ts'

export const SUMMARY_FILE = path.join(REPO_ROOT, 'bench', 'SUMMARY.md')

export const SUITE_USAGE = `usage: npm run bench [-- --quick] [--check] [--only NAME,NAME]

Runs every benchmark, cheapest first (quick: ${suiteOrder(true).join(', ')};
full: ${suiteOrder(false).join(', ')}), each as
\`node bench/run.ts <name> [--quick]\`; a benchmark that errors is recorded with its message and the
suite goes on. Then writes bench/results.json's "suite" key ("suite:quick") and bench/SUMMARY.md:
the machine, and per benchmark its headline figures and each target's PASS, FAIL or N/A.

  --quick       every benchmark's quick variant (figures under "<name>:quick"; also FCV_BENCH_QUICK=1)
  --check       exit 1 when a target fails (without it, only a benchmark that errors exits 1)
  --only LIST   just these benchmarks, in the suite's order

Exit code: 0 when every benchmark ran; 1 when one errored (or, with --check, a target failed).`

/** The benchmarks, cheapest first for this mode, so the quick ones report before a long one. */
export function suiteOrder(quick: boolean): string[] {
  const cost = (name: string) => BENCHMARKS[name]!.seconds[quick ? 'quick' : 'full']
  return Object.keys(BENCHMARKS).sort((a, b) => cost(a) - cost(b))
}

const log = (message: string) => process.stdout.write(`[bench] ${message}\n`)

/** The last `max` characters a stream wrote, passed through to `sink` as they come. */
function tee(stream: NodeJS.ReadableStream, sink: NodeJS.WritableStream, max = 16_384) {
  let tail = ''
  stream.setEncoding('utf8')
  stream.on('data', (d: string) => {
    sink.write(d)
    tail = (tail + d).slice(-max)
  })
  return () => tail
}

const lastLines = (text: string, n: number) =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-n)
    .join('\n')

/** Why a benchmark failed: run.ts's "bench <name>: ..." message and what follows, else the output's tail. */
export function failureMessage(name: string, code: number | null, stderr: string, stdout: string) {
  const lines = stderr.split('\n')
  const at = lines.findLastIndex((l) => l.startsWith(`bench ${name}: `))
  const text =
    at >= 0
      ? lines.slice(at, at + 12).join('\n')
      : lastLines(stderr, 12) || lastLines(stdout, 8) || 'no output'
  return `exit ${code ?? 'by signal'}: ${text.trim()}`
}

function readResults(): Record<string, unknown> {
  return existsSync(RESULTS_FILE)
    ? (JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Record<string, unknown>)
    : {}
}

/** Runs one benchmark as a child process; its output goes to this terminal as it comes. */
async function runOne(name: string, quick: boolean): Promise<Omit<SuiteBenchmark, 'seconds'>> {
  const key = quick ? `${name}:quick` : name
  const startedAt = new Date().toISOString()
  const child = spawn(
    process.execPath,
    [path.join(REPO_ROOT, 'bench', 'run.ts'), name, ...(quick ? ['--quick'] : [])],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] }
  )
  const stdout = tee(child.stdout, process.stdout)
  const stderr = tee(child.stderr, process.stderr)
  const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>(
    (resolve) => {
      child.once('error', (e) => {
        process.stderr.write(`${e.message}\n`)
        resolve({ code: null, signal: null })
      })
      child.once('close', (c, s) => resolve({ code: c, signal: s }))
    }
  )
  if (signal === 'SIGINT' || signal === 'SIGTERM') {
    log(`${name} stopped by ${signal}; the suite stops too`)
    process.exit(130)
  }
  if (code !== 0) {
    return { name, key, status: 'error', error: failureMessage(name, code, stderr(), stdout()) }
  }
  const entry = readResults()[key] as { savedAt?: string } | undefined
  if (!entry?.savedAt || entry.savedAt < startedAt) {
    return { name, key, status: 'error', error: `exit 0, but it wrote no "${key}" entry` }
  }
  return { name, key, status: 'ok' }
}

export async function runSuite(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: process.env['FCV_BENCH_QUICK'] === '1' },
      check: { type: 'boolean', default: false },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (o.help) {
    process.stdout.write(SUITE_USAGE + '\n')
    return 0
  }
  const quick = o.quick
  const all = suiteOrder(quick)
  const only = o.only?.split(',').map((s) => s.trim())
  const unknown = only?.filter((n) => !all.includes(n)) ?? []
  if (unknown.length) {
    throw new StepError(
      `--only: unknown benchmark ${unknown.join(', ')}; available: ${all.join(', ')}`
    )
  }
  const names = only ? all.filter((n) => only.includes(n)) : all
  const command = ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' ')

  log('describing the machine')
  const machine = await describeMachine()
  const t0 = performance.now()
  const benchmarks: SuiteBenchmark[] = []
  for (const [i, name] of names.entries()) {
    const progress = `${i + 1}/${names.length} ${name}`
    log(`${progress}${quick ? ' --quick' : ''} ...`)
    const start = performance.now()
    let outcome = await runOne(name, quick)
    if (outcome.status === 'error') {
      // A benchmark runs real servers and a browser on a shared machine: one that errors (rather
      // than missing a target) gets one more attempt, and the summary says it needed it.
      log(`${progress}: errored (${outcome.error}); trying once more`)
      const first = outcome.error
      outcome = await runOne(name, quick)
      if (first !== undefined) outcome = { ...outcome, firstAttemptError: first }
    }
    const seconds = Number(((performance.now() - start) / 1000).toFixed(1))
    benchmarks.push({ ...outcome, seconds })
    log(`${progress}: ${outcome.status === 'ok' ? 'ok' : 'ERROR'} in ${seconds} s`)
    if (outcome.error) log(`${name}: ${outcome.error}`)
  }
  const run: SuiteRun = {
    quick,
    command,
    machine,
    seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
    benchmarks,
  }
  saveResults(suiteKey(quick), run as unknown as Record<string, unknown>)
  const results = readResults()
  writeFileSync(SUMMARY_FILE, renderSummary(results, quick))

  const errored = benchmarks.filter((b) => b.status === 'error')
  const failed = failedTargets(results, run)
  log(
    `${benchmarks.length - errored.length}/${benchmarks.length} ran in ${run.seconds} s; ` +
      `${failed.length} target(s) failed; summary: ${path.relative(REPO_ROOT, SUMMARY_FILE)}`
  )
  for (const b of errored) log(`errored: ${b.key}`)
  for (const f of failed) log(`target failed: ${f}`)
  if (errored.length) return 1
  return o.check && failed.length ? 1 : 0
}
