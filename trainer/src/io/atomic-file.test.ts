import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../ingest/test-fixtures.ts'
import { writeFileAtomically } from './atomic-file.ts'

describe('writeFileAtomically', () => {
  it('replaces the file, creating its directory', async () => {
    const dir = await tempDir()
    const path = join(dir, 'a/b/out.json')
    await writeFileAtomically(path, 'one')
    await writeFileAtomically(path, 'two')
    expect(await readFile(path, 'utf8')).toBe('two')
    expect(await readdir(join(dir, 'a/b'))).toEqual(['out.json'])
  })

  it('leaves what was there, and no temporary file, when it fails', async () => {
    const dir = await tempDir()
    const path = join(dir, 'taken')
    await mkdir(path)
    await writeFile(join(path, 'inside'), 'kept')
    await expect(writeFileAtomically(path, 'new')).rejects.toThrow()
    expect(await readdir(dir)).toEqual(['taken'])
    expect(await readFile(join(path, 'inside'), 'utf8')).toBe('kept')
  })
})
