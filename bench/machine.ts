// The machine a suite run measured: what SUMMARY.md's first section says. Collected once, before
// the first benchmark, so "dirty" describes the tree that was measured, not the results it writes.

import { existsSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { findPostgresBin } from '../control-plane/src/db/test-postgres.ts'
import { capture, gitCommit } from './common.ts'
import { availability } from './train/backends.ts'

export interface Machine {
  date: string
  cpuModel: string
  cores: number
  memoryMb: number
  os: string
  kernel: string
  node: string
  /** "native (tfjs-node)" or "pure JS only: <why native does not load>". */
  tensorflow: string
  chromium: string | null
  postgres: string | null
  gitCommit: string | null
  /** Uncommitted changes besides the suite's own outputs; null when git cannot tell. */
  gitDirty: boolean | null
}

/** The suite's outputs: a tree is not "dirty" because an earlier run left them changed. */
export const SUITE_OUTPUTS = ['bench/results.json', 'bench/SUMMARY.md']

/** /proc/cpuinfo's first "model name" (os.cpus() may shorten it, e.g. to "AMD EPYC"). */
export function cpuModelFrom(cpuinfo: string): string | undefined {
  const m = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)
  return m?.[1]?.trim()
}

/** /etc/os-release's PRETTY_NAME, unquoted. */
export function osNameFrom(osRelease: string): string | undefined {
  const m = /^PRETTY_NAME=(.*)$/m.exec(osRelease)
  return m?.[1]?.trim().replace(/^"(.*)"$/, '$1')
}

/** The first "a.b[.c...]" in a version banner ("Chromium 156.0.8078.114 built on ..." → 156.0.8078.114). */
export function versionFrom(banner: string | undefined): string | null {
  return /\d+\.\d+(?:\.\d+)*/.exec(banner ?? '')?.[0] ?? null
}

/** Porcelain status lines other than the suite's outputs mean the tree is dirty. */
export function dirtyFrom(porcelain: string): boolean {
  return porcelain
    .split('\n')
    .filter((l) => l.trim() !== '')
    .some((l) => !SUITE_OUTPUTS.includes(l.slice(3).trim()))
}

const readOr = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '')

async function postgresVersion(): Promise<string | null> {
  const bin = findPostgresBin()
  if (bin) return versionFrom(await capture(path.join(bin, 'postgres'), ['--version']))
  return versionFrom(await capture('pg_config', ['--version']))
}

export async function describeMachine(): Promise<Machine> {
  const cpus = os.cpus()
  const native = await availability('native')
  const [chromium, postgres, head, status] = await Promise.all([
    capture('chromium', ['--version']),
    postgresVersion(),
    capture('git', ['rev-parse', 'HEAD']),
    capture('git', ['status', '--porcelain']),
  ])
  return {
    date: new Date().toISOString(),
    cpuModel: cpuModelFrom(readOr('/proc/cpuinfo')) ?? cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryMb: Math.round(os.totalmem() / 2 ** 20),
    os: osNameFrom(readOr('/etc/os-release')) ?? `${os.type()} ${os.arch()}`,
    kernel: `${os.release()} ${os.arch()}`,
    node: process.version,
    tensorflow: native.available
      ? 'native (tfjs-node) and pure JS'
      : `pure JS only; native unavailable: ${native.reason}`,
    chromium: versionFrom(chromium),
    postgres,
    gitCommit: head?.trim() || (gitCommit() ?? null),
    gitDirty: status === undefined ? null : dirtyFrom(status),
  }
}
