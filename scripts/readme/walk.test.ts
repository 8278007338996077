// The README walked as a user walks it: every shell block in order, in one bash, in a copy of the
// repository (sandbox.ts), with the system's Node 20 first on PATH and nothing of fcv running,
// against the real processes the blocks start: the pipeline into the embedded MLflow server, the
// control plane, wrangler dev. `bash scripts/test.sh` is the one line left out (it runs this).
// A block that fails stops the walk (set -e; curl -f), and the test names its README line.

import { execFileSync, spawn } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { shellBlocks } from './blocks.ts'
import { makeSandbox, untracked } from './sandbox.ts'

const ROOT = resolve(import.meta.dirname, '../..')
/** What the README's commands listen on: the control plane and wrangler dev. */
const PORTS = [8080, 8787, 5173]
const WALK_TIMEOUT_MS = 12 * 60_000
/** Everything the walk printed, kept after the test for a person to read. */
const LOG = join(tmpdir(), 'fcv-readme-walk.log')

function free(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = createServer()
    s.once('error', () => ok(false))
    s.listen(port, '127.0.0.1', () => s.close(() => ok(true)))
  })
}

/** The walk as one bash script: each block after a line naming where it is in the README. */
export function walkScript(markdown: string): string {
  const parts = shellBlocks(markdown).map((b) => {
    const code = b.code
      .split('\n')
      .filter((l) => !/^bash scripts\/test\.sh\b/.test(l))
      .join('\n')
    // A newline first: curl's JSON answers end without one.
    return `printf '\\n%s\\n' ${JSON.stringify(`::: README.md line ${b.line} (${b.section})`)}\n${code}`
  })
  return ['set -euo pipefail', ...parts, "printf '\\n%s\\n' '::: walked'", ''].join('\n')
}

/** A fresh login's environment: Debian's PATH (the system Node first), nothing of fcv's. */
function userEnv(): NodeJS.ProcessEnv {
  const keep = ['HOME', 'USER', 'LOGNAME', 'TMPDIR', 'FCV_CACHE', 'XDG_CACHE_HOME']
  return {
    ...Object.fromEntries(keep.filter((k) => process.env[k]).map((k) => [k, process.env[k]])),
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C.UTF-8',
  }
}

let dir: string | null = null
let group: number | null = null

afterAll(async () => {
  if (group !== null) {
    // Whatever the walk left running (it failed before its stop block) goes with its group.
    try {
      process.kill(-group, 'SIGTERM')
      await new Promise((r) => setTimeout(r, 3000))
      process.kill(-group, 'SIGKILL')
    } catch {
      // the group is gone
    }
  }
  if (dir) {
    try {
      execFileSync(process.execPath, ['trainer/dist/fcv.mjs', 'mlflow', 'stop'], {
        cwd: dir,
        stdio: 'ignore',
      })
    } catch {
      // nothing started, or no CLI built
    }
    rmSync(dir, { recursive: true, force: true })
    rmSync(`${dir}.walk.sh`, { force: true })
  }
})

describe('README', () => {
  it(
    'every command works as written, in order, on a fresh copy',
    { timeout: WALK_TIMEOUT_MS + 60_000 },
    async () => {
      for (const port of PORTS) {
        expect(
          await free(port),
          `port ${port} is in use: stop what runs there (the README walk needs it)`
        ).toBe(true)
      }
      const system = execFileSync('/bin/bash', ['-c', 'node --version'], { env: userEnv() })
        .toString()
        .trim()
      dir = makeSandbox(ROOT)
      const script = `${dir}.walk.sh` // beside the copy, not in it
      writeFileSync(script, walkScript(readFileSync(join(ROOT, 'README.md'), 'utf8')))
      const started = Date.now()
      const child = spawn('bash', [script], {
        cwd: dir,
        env: userEnv(),
        detached: true, // its own process group: what it leaves running can be stopped with it
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      group = child.pid!
      let output = ''
      child.stdout.on('data', (d: Buffer) => (output += d.toString()))
      child.stderr.on('data', (d: Buffer) => (output += d.toString()))
      const code = await new Promise<number | null>((done) => {
        const timer = setTimeout(() => process.kill(-group!, 'SIGKILL'), WALK_TIMEOUT_MS)
        child.on('exit', (c) => {
          clearTimeout(timer)
          done(c)
        })
      })
      const seconds = ((Date.now() - started) / 1000).toFixed(0)
      writeFileSync(LOG, output)
      const last =
        [...output.matchAll(/^::: (README\.md line \d+ \(.*\))$/gm)].at(-1)?.[1] ?? 'the start'
      const tail = output.split('\n').slice(-60).join('\n')
      console.log(
        `[readme] walked with ${system} first on PATH in ${seconds} s, exit ${code}; output in ${LOG}`
      )
      expect(code, `the walk stopped in the block at ${last}:\n${tail}`).toBe(0)

      // What the blocks printed: the control plane ready, a promotion pending for the Worker that was
      // not up yet, the Worker's champion after reconciliation, a prediction with its units, the
      // Worker's telemetry and its sync state on the control plane's /metrics.
      const version = JSON.parse(readFileSync(join(dir, 'models/registration.json'), 'utf8'))
        .version as string
      expect(output).toMatch(/\{"ready":true/)
      expect(output).toMatch(
        /"publish":\[\{"target":"http:\/\/127\.0\.0\.1:8787","outcome":"pending"/
      )
      // Forced: the model of a historical log is calibrated for a window long over.
      expect(output).toMatch(/"role":"champion","forced":true/)
      expect(output).toMatch(/"gate":"calibrated_window","passed":false,"value":"\[2023-09-01, /)
      expect(output).toContain(`edge champion: fcv-customer-value version ${version}`)
      // Scored as of a day before the model's window: answered, and flagged.
      expect(output).toMatch(
        /"amountUnit":"major","warnings":\[\{"code":"as_of_outside_calibrated_window","modelVersion":"\d+"/
      )
      expect(output).toMatch(/"currency":"GBP","currencyExponent":2,"amountUnit":"major"/)
      expect(output).toMatch(new RegExp(`"modelVersion":"${version}"`))
      expect(output).toMatch(
        new RegExp(
          `^fcv_edge_predictions_total\\{model_version="${version}",variant="champion"\\} 1$`,
          'm'
        )
      )
      expect(output).toMatch(
        /^fcv_publish_target_in_sync\{target="http:\/\/127\.0\.0\.1:8787"\} 1$/m
      )
      // Its stop block stopped everything it started.
      for (let i = 0; i < 100 && !(await Promise.all(PORTS.map(free))).every(Boolean); i++) {
        await new Promise((r) => setTimeout(r, 100))
      }
      for (const port of PORTS)
        expect(await free(port), `port ${port} still in use after the walk`).toBe(true)
      // Nothing it wrote (secrets, state, logs) is offered to git.
      expect(untracked(dir)).toEqual([])
    }
  )
})
