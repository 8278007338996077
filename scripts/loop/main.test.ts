// scripts/main.sh as a user types it, for the answers that start nothing: --help, and a mistake.
// In a copy of the checkout (as the README walk does): its setup rebuilds the CLI, which other
// tests run from this checkout meanwhile.

import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeSandbox } from '../readme/sandbox.ts'

let dir: string
beforeAll(() => {
  dir = makeSandbox(resolve(import.meta.dirname, '../..'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const main = (...args: string[]) =>
  spawnSync('bash', ['scripts/main.sh', ...args], { cwd: dir, encoding: 'utf8' })

describe('bash scripts/main.sh', () => {
  it('--help: the options, exit 0', () => {
    const r = main('--help')
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^usage: bash scripts\/main\.sh \[--check\] \[--data FILE\]/m)
    expect(r.stdout).toMatch(/--strict-gates/)
  })

  it('a flag it does not know: named, with the usage, exit 2', () => {
    const r = main('--chek')
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/scripts\/main\.sh: Unknown option '--chek'/)
    expect(r.stderr).toMatch(/usage: bash scripts\/main\.sh/)
  })
})
