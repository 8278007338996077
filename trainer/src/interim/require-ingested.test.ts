import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { requireIngested } from './require-ingested.ts'

class CommandError extends Error {
  override name = 'CommandError'
}

describe('requireIngested', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fcv-require-'))

  it('resolves when the file is there', async () => {
    const path = join(dir, 'transactions.arrow')
    writeFileSync(path, '')
    await expect(requireIngested(path, CommandError)).resolves.toBeUndefined()
  })

  it("throws the command's own error, naming the file and the command that writes it", async () => {
    const path = join(dir, 'missing.arrow')
    const failed = requireIngested(path, CommandError)
    await expect(failed).rejects.toThrow(CommandError)
    await expect(failed).rejects.toThrow(
      `${path}: no ingested transactions; run \`fcv ingest\` (or \`fcv pipeline\`) first`
    )
  })
})
