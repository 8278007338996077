import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { OUTPUT_NAMES, OutputSet } from './output-files.ts'
import { listDir, tempDir } from './test-fixtures.ts'

describe('OutputSet', () => {
  it('renames temporaries into place on commit', async () => {
    const dir = await tempDir()
    const out = await OutputSet.prepare(join(dir, 'a'))
    for (const p of Object.values(out.temp)) await writeFile(p, 'x')
    expect(
      (await listDir(join(dir, 'a'))).every((n) => n.startsWith('.') && n.endsWith('.tmp'))
    ).toBe(true)
    await out.commit()
    expect(await listDir(join(dir, 'a'))).toEqual(Object.values(OUTPUT_NAMES).sort())
  })

  it('on discard removes temporaries and the directories it created, and nothing else', async () => {
    const dir = await tempDir()
    const out = await OutputSet.prepare(join(dir, 'a', 'b', 'c'))
    for (const p of Object.values(out.temp)) await writeFile(p, 'x')
    await out.discard()
    expect(await listDir(dir)).toEqual([])

    await writeFile(join(dir, 'keep.txt'), 'mine')
    const again = await OutputSet.prepare(dir)
    await writeFile(again.temp.report, 'x')
    await again.discard()
    expect(await listDir(dir)).toEqual(['keep.txt'])
  })
})
