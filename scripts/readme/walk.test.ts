// The README walked as a user walks it: every shell block in order, in one bash, in a copy of the
// repository (sandbox.ts), with the system's Node 20 first on PATH and nothing of fcv running,
// against the real processes the blocks start: the pipeline into the embedded MLflow server, the
// control plane, wrangler dev. `bash scripts/test.sh` is the one line left out (it runs this).
// A block that fails stops the walk (set -e; curl -f), and the test names its README line.

import { execFileSync, spawn } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { portFree } from '../loop/services.ts'
import { walkScript } from './walk.ts'
import { makeSandbox, untracked } from './sandbox.ts'

const ROOT = resolve(import.meta.dirname, '../..')
/** What the README's commands listen on: the loop's control plane, Worker, storefront, Prometheus, MLflow. */
const PORTS = [8080, 8787, 5173, 9090, 5055]
const WALK_TIMEOUT_MS = 12 * 60_000
/** Everything the walk printed, kept after the test for a person to read. */
const LOG = join(tmpdir(), 'fcv-readme-walk.log')

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
          await portFree(port),
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

      // What the blocks printed. The loop: trained, promoted (forced: the sample's calibrated window
      // is long over), served at the edge and in the widget, then stopped by Ctrl-C with exit 0.
      const served =
        /^fcv is running: "fcv-customer-value" version (\d+) serves on the edge and widget channels \(forced over failed gates on edge, widget/m.exec(
          output
        )
      expect(served, 'the loop said what it serves').not.toBeNull()
      const version = served![1]!
      expect(output).toMatch(/\[loop\] 7\/8 first prediction in the widget: done/)
      expect(output).toMatch(/"gate":"calibrated_window"|calibrated_window\s+FAIL/)
      // The README's prediction: answered by the loop's version, in major units, flagged as outside
      // the model's calibrated window.
      expect(output).toMatch(
        new RegExp(
          `"amountUnit":"major","warnings":\\[\\{"code":"as_of_outside_calibrated_window","modelVersion":"${version}"`
        )
      )
      expect(output).toMatch(new RegExp(`^x-fcv-version: ${version}\\s*$`, 'im'))
      expect(output).toMatch(
        new RegExp(
          `^fcv_edge_predictions_total\\{model_version="${version}",variant="champion"\\} [1-9]`,
          'm'
        )
      )
      expect(output).toMatch(
        /^fcv_publish_target_in_sync\{target="http:\/\/127\.0\.0\.1:8787"\} 1$/m
      )
      // Operations: the retrained version as a canary, widened, promoted, rolled back, shadowed.
      const next = String(Number(version) + 1)
      expect(output).toMatch(
        new RegExp(
          `promoted version ${next} of "fcv-customer-value" to edge canary at 0\\.2 \\(forced`
        )
      )
      expect(output).toMatch(new RegExp(`edge: champion ${version}, shadow ${next}`))
      expect(output).toMatch(
        / bootstrap-admin rollback fcv-customer-value\/edge: rehearsing an incident$/m
      )
      // Ctrl-C stopped the serving loop cleanly; the check on the synthetic log agreed to the bit.
      expect(output).toMatch(/::: the loop after Ctrl-C exited 0:\n(.*\n)*\[loop\] stopped/)
      expect(output).toMatch(/the edge, the widget and the trainer agree to the bit/)
      expect(output).toMatch(/\[loop\] check passed/)
      // Its stop block stopped everything it started.
      for (let i = 0; i < 100 && !(await Promise.all(PORTS.map(portFree))).every(Boolean); i++) {
        await new Promise((r) => setTimeout(r, 100))
      }
      for (const port of PORTS)
        expect(await portFree(port), `port ${port} still in use after the walk`).toBe(true)
      // Nothing it wrote (secrets, state, logs) is offered to git.
      expect(untracked(dir)).toEqual([])
    }
  )
})
