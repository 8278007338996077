import { existsSync, readFileSync } from 'node:fs'
import os from 'node:os'
import { describe, expect, it } from 'vitest'
import { findPostgresBin } from '../control-plane/src/db/test-postgres.ts'
import { cpuModelFrom, describeMachine, dirtyFrom, osNameFrom, versionFrom } from './machine.ts'

describe('the parts of the machine description', () => {
  it('reads the CPU model from /proc/cpuinfo', () => {
    const cpuinfo =
      'processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13 64-Core Processor\n'
    expect(cpuModelFrom(cpuinfo)).toBe('AMD EPYC 7B13 64-Core Processor')
    expect(cpuModelFrom('processor\t: 0\n')).toBeUndefined()
  })

  it("reads the OS from os-release's PRETTY_NAME", () => {
    expect(
      osNameFrom('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')
    ).toBe('Debian GNU/Linux 12 (bookworm)')
  })

  it('takes the version out of a banner', () => {
    expect(versionFrom('Chromium 156.0.8078.114 built on Debian GNU/Linux 12 (bookworm)')).toBe(
      '156.0.8078.114'
    )
    expect(versionFrom('postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)')).toBe('15.14')
    expect(versionFrom(undefined)).toBeNull()
  })

  it("a tree is dirty by changes other than the suite's own outputs", () => {
    expect(dirtyFrom(' M bench/results.json\n?? bench/SUMMARY.md\n')).toBe(false)
    expect(dirtyFrom(' M bench/results.json\n M bench/run.ts\n')).toBe(true)
    expect(dirtyFrom('')).toBe(false)
  })
})

describe('describeMachine', () => {
  it('describes this machine', async () => {
    const m = await describeMachine()
    expect(m.node).toBe(process.version)
    expect(m.cores).toBe(os.cpus().length)
    expect(m.memoryMb).toBe(Math.round(os.totalmem() / 2 ** 20))
    expect(m.kernel).toContain(os.release())
    const model = cpuModelFrom(readFileSync('/proc/cpuinfo', 'utf8'))
    if (model) expect(m.cpuModel).toBe(model)
    expect(m.gitCommit).toMatch(/^[0-9a-f]{40}$/)
    expect(typeof m.gitDirty).toBe('boolean')
    expect(m.tensorflow).toMatch(/^(native|pure JS only)/)
    expect(Date.parse(m.date)).not.toBeNaN()
    // Installed by scripts/setup.sh; a description without them when they are there is wrong.
    if (existsSync('/usr/bin/chromium')) expect(m.chromium).toMatch(/^\d+\.\d+/)
    if (findPostgresBin()) expect(m.postgres).toMatch(/^\d+\.\d+/)
  })
})
