import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { openInput } from './input.ts'
import { tempDir } from './test-fixtures.ts'

async function drain(chunks: AsyncIterable<Buffer>): Promise<number> {
  let n = 0
  for await (const c of chunks) n += c.length
  return n
}

describe('openInput', () => {
  it('reads a gzip file and knows its text size from the gzip trailer before reading', async () => {
    const dir = await tempDir()
    const text = Buffer.from('a,b\n'.repeat(50_000))
    const file = join(dir, 'log.csv.gz')
    await writeFile(file, gzipSync(text))
    const input = await openInput(file, 'auto')
    expect(input.gzip).toBe(true)
    expect(input.textBytes).toBe(text.length)
    expect(input.sizeBytes).toBeLessThan(text.length)
    expect(await drain(input.chunks)).toBe(text.length)
  })

  it('takes a plain file as it is', async () => {
    const dir = await tempDir()
    const file = join(dir, 'log.csv')
    await writeFile(file, 'a,b\n1,2\n')
    const input = await openInput(file, 'auto')
    expect(input.gzip).toBe(false)
    expect(input.textBytes).toBe(8)
    expect(await drain(input.chunks)).toBe(8)
  })
})
