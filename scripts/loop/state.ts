// The loop's state directory (.fcv/ by default): the signing key and tokens it generated on its
// first run, the control plane's database, the Worker's KV, logs and what the last run served. A
// second run reuses all of it, so the same key signs and the same tokens work. Secrets are files
// of mode 0600 in a directory of mode 0700, written whole (temp file, then rename).

import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { join, resolve } from 'node:path'
import { generateSigningKey } from '@fcv/core'
import { processAlive } from '../../control-plane/src/db/data-dir-lock.ts'

export interface Secrets {
  /** Ed25519 private key, PKCS#8 base64: FCV_SIGNING_KEY of the control plane. */
  signingKey: string
  /** The control plane's bootstrap admin token. */
  adminToken: string
  /** What the control plane shows the Worker when it pushes a bundle. */
  publisherToken: string
  /** The Worker's telemetry token (role reporter), once the control plane issued it. */
  reporter?: { name: string; token: string }
}

export interface StateDir {
  dir: string
  path(...parts: string[]): string
  logs: string
}

export function openStateDir(root: string, env: NodeJS.ProcessEnv = process.env): StateDir {
  const dir = resolve(root, env['FCV_STATE_DIR'] || '.fcv')
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
  const logs = join(dir, 'logs')
  mkdirSync(logs, { recursive: true })
  return { dir, logs, path: (...parts) => join(dir, ...parts) }
}

/** Writes a file whole or not at all, readable by its owner only. */
export function writePrivate(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, text, { mode: 0o600 })
  renameSync(tmp, file)
}

const token = () => randomBytes(24).toString('hex')

/** The secrets of earlier runs, or new ones (saved before anything uses them). */
export async function loadOrCreateSecrets(
  state: StateDir
): Promise<{ secrets: Secrets; created: boolean }> {
  const file = state.path('secrets.json')
  if (existsSync(file)) {
    let parsed: Partial<Secrets>
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Secrets>
    } catch (e) {
      throw new Error(
        `${file} is not valid JSON (${(e as Error).message}): remove it to start afresh`,
        { cause: e }
      )
    }
    for (const key of ['signingKey', 'adminToken', 'publisherToken'] as const) {
      if (typeof parsed[key] !== 'string' || parsed[key].length < 24) {
        throw new Error(
          `${file}: "${key}" is missing or too short: remove the file to start afresh`
        )
      }
    }
    return { secrets: parsed as Secrets, created: false }
  }
  const secrets: Secrets = {
    signingKey: (await generateSigningKey()).privateKeyPkcs8,
    adminToken: token(),
    publisherToken: token(),
  }
  saveSecrets(state, secrets)
  return { secrets, created: true }
}

export function saveSecrets(state: StateDir, secrets: Secrets): void {
  writePrivate(state.path('secrets.json'), JSON.stringify(secrets, null, 2) + '\n')
}

/** `source .fcv/env` in another shell: the running loop's addresses and the admin token. */
export function writeShellEnv(state: StateDir, vars: Record<string, string>): void {
  const lines = Object.entries(vars).map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'`)
  writePrivate(
    state.path('env'),
    ['# written by scripts/main.sh: the running loop (secrets: keep private)', ...lines, ''].join(
      '\n'
    )
  )
}

/** One loop per state directory: main.pid names the one running. */
export function claimPidFile(state: StateDir): () => void {
  const file = state.path('main.pid')
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8').trim())
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
      throw new Error(
        `another scripts/main.sh is running on ${state.dir} (pid ${pid}): stop it (Ctrl-C in its terminal, or kill -INT ${pid})`
      )
    }
  }
  writeFileSync(file, `${process.pid}\n`)
  return () => {
    try {
      if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file)
    } catch {
      // already gone
    }
  }
}
