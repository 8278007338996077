import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { claimPidFile, loadOrCreateSecrets, openStateDir, writeShellEnv } from './state.ts'

let root: string
afterEach(() => rmSync(root, { recursive: true, force: true }))

describe('the state directory', () => {
  it('keeps its secrets private and gives the same ones back', async () => {
    root = mkdtempSync(join(tmpdir(), 'fcv-state-'))
    const state = openStateDir(root, { FCV_STATE_DIR: 'here' })
    expect(state.dir).toBe(join(root, 'here'))
    const first = await loadOrCreateSecrets(state)
    expect(first.created).toBe(true)
    expect(first.secrets.adminToken).toMatch(/^[0-9a-f]{48}$/)
    expect(statSync(state.dir).mode & 0o777).toBe(0o700)
    expect(statSync(state.path('secrets.json')).mode & 0o777).toBe(0o600)
    const second = await loadOrCreateSecrets(state)
    expect(second).toEqual({ secrets: first.secrets, created: false })
    writeShellEnv(state, { FCV_ADMIN_TOKEN: "it's" })
    expect(readFileSync(state.path('env'), 'utf8')).toContain(`export FCV_ADMIN_TOKEN='it'\\''s'`)
    expect(statSync(state.path('env')).mode & 0o777).toBe(0o600)
  })

  it('refuses a damaged secrets file, naming it and the fix', async () => {
    root = mkdtempSync(join(tmpdir(), 'fcv-state-'))
    const state = openStateDir(root, {})
    writeFileSync(state.path('secrets.json'), '{"signingKey": "short"}')
    await expect(loadOrCreateSecrets(state)).rejects.toThrow(
      /secrets\.json: "signingKey" is missing or too short: remove the file/
    )
  })

  it('lets one loop run per state directory', () => {
    root = mkdtempSync(join(tmpdir(), 'fcv-state-'))
    const state = openStateDir(root, {})
    // A pid that is alive and not ours: the parent of this test process.
    writeFileSync(state.path('main.pid'), `${process.ppid}\n`)
    expect(() => claimPidFile(state)).toThrow(
      `another scripts/main.sh is running on ${state.dir} (pid ${process.ppid})`
    )
    // A pid that is gone is taken over.
    writeFileSync(state.path('main.pid'), '2147483646\n')
    const release = claimPidFile(state)
    expect(readFileSync(state.path('main.pid'), 'utf8').trim()).toBe(String(process.pid))
    release()
    expect(() => statSync(state.path('main.pid'))).toThrow()
  })
})
