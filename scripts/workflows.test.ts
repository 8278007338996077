import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// .github/workflows/: actionlint (built by setup from the Go module proxy) on every workflow, and
// every action pinned to a full commit SHA with its version in a comment.

const DIR = join(import.meta.dirname, '../.github/workflows')
const workflows = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f))

describe('.github/workflows', () => {
  it('has the pull-request and the release workflows', () => {
    expect(workflows.sort()).toEqual(['ci.yml', 'release.yml'])
  })

  it('passes actionlint', () => {
    const r = spawnSync(
      'actionlint',
      ['-no-color', '-oneline', ...workflows.map((f) => join(DIR, f))],
      {
        encoding: 'utf8',
      }
    )
    if (r.error)
      throw new Error(
        `actionlint did not run (source scripts/setup.sh builds it): ${r.error.message}`
      )
    // Its findings are the failure message.
    expect(r.stdout + r.stderr, 'actionlint').toBe('')
    expect(r.status).toBe(0)
  })

  it.each(workflows)('%s pins every action to a 40-hex commit SHA with its version', (file) => {
    const uses = [
      ...readFileSync(join(DIR, file), 'utf8').matchAll(/^\s*(?:-\s+)?uses:\s*(.+)$/gm),
    ].map((m) => m[1]!.trim())
    expect(uses.length).toBeGreaterThan(0)
    const unpinned = uses.filter((u) => !/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/.test(u))
    expect(unpinned, 'uses: owner/repo@<40-hex sha> # vX.Y.Z').toEqual([])
  })

  it('release.yml asks for OIDC only where AWS is used, and takes secrets from the secret store', () => {
    const text = readFileSync(join(DIR, 'release.yml'), 'utf8')
    expect(text).toMatch(/^permissions:\n {2}contents: read\n/m)
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key/)
    expect(text).toContain('FCV_RELEASE_TOKEN: ${{ secrets.FCV_RELEASE_TOKEN }}')
    // The token reaches fcv release only through the environment, never argv or echo.
    expect(text).not.toMatch(/(echo|printf)[^\n]*(TOKEN|PASSWORD)/)
    expect(text).not.toMatch(/--token/)
  })
})
