import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

// scripts/with-node22: the npm scripts users run get Node 22 whatever node the shell finds first,
// or one line saying what to run.

const LAUNCHER = join(import.meta.dirname, 'with-node22')
const DEBIAN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
const empty = mkdtempSync(join(tmpdir(), 'fcv-no-node-'))
afterAll(() => rmSync(empty, { recursive: true, force: true }))

const run = (env: Record<string, string>) =>
  spawnSync('bash', [LAUNCHER, 'node', '-p', 'process.versions.node'], {
    env: { HOME: process.env['HOME']!, PATH: DEBIAN_PATH, ...env },
    encoding: 'utf8',
  })

describe('scripts/with-node22', () => {
  it('runs the command with the Node 22 setup installed, though the system Node comes first', () => {
    const system = spawnSync('node', ['-p', 'process.versions.node'], {
      env: { PATH: DEBIAN_PATH },
      encoding: 'utf8',
    }).stdout.trim()
    const r = run(process.env['FCV_CACHE'] ? { FCV_CACHE: process.env['FCV_CACHE'] } : {})
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout.trim()).toMatch(/^22\.(1[89]|[2-9]\d)\./)
    console.log(`[with-node22] system node ${system}; launched ${r.stdout.trim()}`)
  })

  it('without a Node 22 it fails in one line that says what to run', () => {
    const r = run({ FCV_CACHE: empty })
    const system = spawnSync('node', ['--version'], {
      env: { PATH: DEBIAN_PATH },
      encoding: 'utf8',
    })
    if (/^v2[2-9]\./.test(system.stdout) && Number(system.stdout.split('.')[1]) >= 18) return // a new enough system Node needs nothing
    expect(r.status).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(
      `fcv needs Node 22.18 or newer (found ${system.stdout.trim()}): run \`bash scripts/setup.sh\` once, which installs it from the npm registry\n`
    )
  })
})
