import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { shellBlocks } from './blocks.ts'
import { walkLine } from './walk.ts'

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

  it('starts nothing in the background by hand: the loop does, and Ctrl-C stops it', () => {
    expect(code).not.toMatch(/&\s*$/m)
    expect(code).not.toMatch(/\$!/)
    expect(code).toMatch(/fcv -- mlflow stop/)
  })
})

describe('walkLine', () => {
  it('serves `bash scripts/main.sh` in the background, ends it with Ctrl-C before the next one', () => {
    expect(walkLine('bash scripts/main.sh     # set up; Ctrl-C stops it')).toBe(
      'fcv_walk_ctrl_c\nfcv_walk_serve bash scripts/main.sh'
    )
    expect(walkLine('bash scripts/main.sh --check --data x.csv')).toBe(
      'fcv_walk_ctrl_c\nbash scripts/main.sh --check --data x.csv'
    )
    expect(walkLine('curl -s 127.0.0.1:8787/healthz # bash scripts/main.sh')).toBe(
      'curl -s 127.0.0.1:8787/healthz # bash scripts/main.sh'
    )
  })
})
