import { createHash } from 'node:crypto'
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runIngest } from '../ingest/index.ts'
import { loadParams } from '../params/load.ts'
import type { Params } from '../params/schema.ts'
import { runFeatures } from './index.ts'
import { mergeFeatureShards } from './merge-shards.ts'

// Shards of the shipped sample (1,000 customers), merged, against the unsharded run.

const root = resolve(import.meta.dirname, '../../..')
const work = mkdtempSync(join(tmpdir(), 'fcv-merge-shards-'))
const quiet = () => {}
const FILES = ['train.arrow', 'valid.arrow', 'test.arrow', 'schema.json']

function params(outDir: string, extra: string[] = []): Params {
  return loadParams(join(root, 'params.yaml'), [
    `data.path=${join(root, 'data/sample/online_retail_ii_sample.csv.gz')}`,
    `ingest.out_dir=${join(work, 'interim')}`,
    `features.out_dir=${join(work, outDir)}`,
    ...extra,
  ])
}

async function buildShards(outDir: string, n: number, extra: string[] = []): Promise<void> {
  for (let i = 0; i < n; i++) {
    await runFeatures(params(outDir, extra), { shard: { index: i, count: n }, log: quiet })
  }
}

/** Each output file's SHA-256: equal digests are equal bytes (and compare fast). */
const bytes = (dir: string) =>
  FILES.map(
    (f) =>
      `${f} ${createHash('sha256')
        .update(readFileSync(join(work, dir, f)))
        .digest('hex')}`
  )

beforeAll(async () => {
  await runIngest(params('unused'), { log: quiet, progress: false })
}, 60_000)
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('fcv features --merge-shards', () => {
  it.each([
    ['in one pass', []],
    ['when memory forces several passes', ['features.max_rows_in_memory=20000']],
  ])(
    'gives byte-identical output to the unsharded run %s, and keeps the shards',
    async (_, extra: string[]) => {
      const tag = extra.length > 0 ? 'passes' : 'one'
      const full = await runFeatures(params(`full-${tag}`, extra), { log: quiet })
      await buildShards(`merged-${tag}`, 3, extra)
      const merged = await mergeFeatureShards(params(`merged-${tag}`, extra), 3, { log: quiet })
      expect(merged).toEqual(full)
      expect(merged.splits.train.rows).toBeGreaterThan(1000)
      if (extra.length > 0) expect(full.passes).toBeGreaterThan(1)
      expect(bytes(`merged-${tag}`)).toEqual(bytes(`full-${tag}`))
      expect(readdirSync(join(work, `merged-${tag}/shards`)).sort()).toEqual([
        '0-of-3',
        '1-of-3',
        '2-of-3',
      ])
    },
    120_000
  )

  describe('refuses shards that are not one complete, consistent set', () => {
    const good = 'good'
    beforeAll(async () => {
      await buildShards(good, 3)
      await mergeFeatureShards(params(good), 3, { log: quiet })
    }, 60_000)

    /** A copy of the good set, broken by `breakIt`; the merge must fail and write nothing. */
    async function mergeBroken(
      name: string,
      breakIt: (dir: string) => Promise<void> | void,
      n = 3
    ): Promise<unknown> {
      cpSync(join(work, good), join(work, name), { recursive: true })
      const before = bytes(name)
      await breakIt(join(work, name))
      const error = await mergeFeatureShards(params(name), n, { log: quiet }).catch((e) => e)
      expect(error).toBeInstanceOf(Error)
      expect(bytes(name)).toEqual(before)
      expect(readdirSync(work).filter((f) => f.startsWith('.fcv-'))).toEqual([])
      return (error as Error).message
    }

    it('a missing shard', async () => {
      const message = await mergeBroken('missing', (dir) =>
        rmSync(join(dir, 'shards/1-of-3'), { recursive: true })
      )
      expect(message).toMatch(
        /^shard 1\/3 \(.*1-of-3\) is missing: run `fcv features --shard 1\/3`/
      )
    })

    it('a wrong shard count', async () => {
      const message = await mergeBroken('wrong-count', () => {}, 4)
      expect(message).toMatch(/^shard 0\/4 .* is missing.*shards present: 0-of-3, 1-of-3, 2-of-3/)
    })

    it('a shard missing a split file', async () => {
      const message = await mergeBroken('no-split', (dir) =>
        rmSync(join(dir, 'shards/2-of-3/valid.arrow'))
      )
      expect(message).toMatch(/^shard 2\/3 .*: valid\.arrow is missing/)
    })

    it('a shard built with another feature spec', async () => {
      const message = await mergeBroken('other-spec', () =>
        runFeatures(params('other-spec', ['features.cap_days=365']), {
          shard: { index: 2, count: 3 },
          log: quiet,
        }).then(() => {})
      )
      expect(message).toMatch(/^shard 2\/3 .*: built with another feature spec/)
    })

    it('a shard built at other cutoffs', async () => {
      const message = await mergeBroken('other-cutoffs', () =>
        runFeatures(params('other-cutoffs', ['features.count=5']), {
          shard: { index: 1, count: 3 },
          log: quiet,
        }).then(() => {})
      )
      expect(message).toMatch(
        /^shard 1\/3 .*: built at cutoffs [-\d, ]+, but these params give [-\d, ]+ \(horizon 90 days\)/
      )
    })

    it('a customer in a shard their id does not hash to', async () => {
      const message = await mergeBroken('two-shards', (dir) =>
        cpSync(join(dir, 'shards/0-of-3/test.arrow'), join(dir, 'shards/1-of-3/test.arrow'))
      )
      expect(message).toMatch(
        /^shard 1\/3 .*: test\.arrow has customer \S+, who belongs to shard 0\/3/
      )
    })

    it('shards that do not add up to the interim log', async () => {
      const message = await mergeBroken('other-log', (dir) => {
        const path = join(dir, 'shards/0-of-3/schema.json')
        const schema = JSON.parse(readFileSync(path, 'utf8'))
        schema.transactions -= 1
        return import('node:fs/promises').then((fs) => fs.writeFile(path, JSON.stringify(schema)))
      })
      expect(message).toMatch(/^the shards hold \d+ transactions, the interim log .* \d+/)
    })
  })
})
