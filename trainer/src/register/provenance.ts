import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { userInfo } from 'node:os'

export interface GitState {
  commit: string
  branch: string | null
  /** Uncommitted changes to tracked files: the commit alone does not reproduce the run. */
  dirty: boolean
  /** origin's URL without any credentials in it. */
  repoUrl: string | null
}

function git(args: string[], cwd: string): string | null {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : null
}

/** The checkout the run came from, or null outside a git work tree (or without git). */
export function gitState(cwd = process.cwd()): GitState | null {
  const commit = git(['rev-parse', 'HEAD'], cwd)
  if (!commit) return null
  const branch = git(['rev-parse', '--abbrev-ref', 'HEAD'], cwd)
  const status = git(['status', '--porcelain', '--untracked-files=no'], cwd)
  const origin = git(['remote', 'get-url', 'origin'], cwd)
  return {
    commit,
    branch: branch && branch !== 'HEAD' ? branch : null,
    dirty: status !== null && status !== '',
    repoUrl: origin ? withoutCredentials(origin) : null,
  }
}

export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url)
    u.username = ''
    u.password = ''
    return u.href
  } catch {
    return url // scp-like git@host:path has no password to hide
  }
}

/** The file's MD5: the hash DVC 3 records for it in dvc.lock, so the run and DVC name the same data. */
export async function fileMd5(path: string): Promise<string> {
  const hash = createHash('md5')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Who ran it (the UI's User column). */
export function currentUser(): string {
  try {
    return userInfo().username
  } catch {
    return process.env['USER'] ?? process.env['LOGNAME'] ?? 'unknown'
  }
}
