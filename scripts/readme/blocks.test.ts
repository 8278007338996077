import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { shellBlocks } from './blocks.ts'

const README = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8')

describe('shellBlocks', () => {
  it('finds sh blocks with their section and line, and skips other fences', () => {
    const md = [
      '# t',
      '```sh',
      'echo a',
      '```',
      '## Two',
      '```json',
      '{"sh": 1}',
      '```',
      '```sh',
      'echo b',
      'echo c',
      '```',
    ].join('\n')
    expect(shellBlocks(md)).toEqual([
      { section: '', line: 2, code: 'echo a' },
      { section: 'Two', line: 9, code: 'echo b\necho c' },
    ])
    expect(() => shellBlocks('```sh\necho')).toThrow('line 1: a code fence that is never closed')
  })
})

describe('the README as written', () => {
  const blocks = shellBlocks(README)
  const code = blocks.map((b) => b.code).join('\n')

  it('holds the two commands that set up and run fcv, and the test command', () => {
    expect(blocks[0]!.code).toMatch(/^bash scripts\/main\.sh\b/m)
    expect(blocks[0]!.code).toMatch(/^bash scripts\/test\.sh\b/m)
  })

  it('needs no tool Debian lacks and hard-codes no model version', () => {
    expect(code).not.toMatch(/\buuidgen\b|\bjq\b|\bhttpie\b/)
    expect(code).not.toMatch(/\\?"version\\?":\s*\\?"\d+/)
  })

  it('stops every process it starts in the background', () => {
    const started = [...code.matchAll(/^(\w+)=\$!$/gm)].map((m) => m[1]!)
    expect(started.sort()).toEqual(['CONTROL_PLANE', 'DEMO', 'WORKER'])
    for (const name of started) expect(code).toMatch(new RegExp(`^kill .*\\$${name}\\b`, 'm'))
    expect(code).toMatch(/fcv -- mlflow stop/)
  })
})
