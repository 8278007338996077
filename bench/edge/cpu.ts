// CPU time of the servers under load, from /proc (Linux; null elsewhere): with the load generator
// on the same 2 cores, CPU milliseconds per request show which side a run is bound by.

import { readdirSync, readFileSync } from 'node:fs'

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on every mainstream kernel. */
const TICK_MS = 10

interface ProcStat {
  pid: number
  comm: string
  ppid: number
  pgrp: number
  cpuMs: number
}

function stat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // comm is in parentheses and may hold spaces; the fields after it are space-separated.
    const close = text.lastIndexOf(')')
    const comm = text.slice(text.indexOf('(') + 1, close)
    const f = text.slice(close + 2).split(' ')
    // f[0] is field 3 (state): ppid 4, pgrp 5, utime 14, stime 15.
    return {
      pid,
      comm,
      ppid: Number(f[1]),
      pgrp: Number(f[2]),
      cpuMs: (Number(f[11]) + Number(f[12])) * TICK_MS,
    }
  } catch {
    return null
  }
}

function all(): ProcStat[] {
  try {
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map((d) => stat(Number(d)))
      .filter((s): s is ProcStat => s !== null)
  } catch {
    return []
  }
}

/** The workerd processes started under this process (Miniflare's). */
export function workerdPids(): number[] {
  const procs = all()
  const mine = new Set([process.pid])
  // Descendants, parents first: repeat until no new child appears.
  for (let grew = true; grew;) {
    grew = false
    for (const p of procs) {
      if (!mine.has(p.pid) && mine.has(p.ppid)) {
        mine.add(p.pid)
        grew = true
      }
    }
  }
  return procs.filter((p) => p.comm === 'workerd' && mine.has(p.pid)).map((p) => p.pid)
}

/** Every process of a process group (the gunicorn master and its workers). */
export function groupPids(pgrp: number): number[] {
  return all()
    .filter((p) => p.pgrp === pgrp)
    .map((p) => p.pid)
}

/** Total CPU milliseconds of the processes; null when /proc cannot be read. */
export function cpuMs(pids: readonly number[]): number | null {
  if (pids.length === 0) return null
  let total = 0
  for (const pid of pids) {
    const s = stat(pid)
    if (!s) return null
    total += s.cpuMs
  }
  return total
}
