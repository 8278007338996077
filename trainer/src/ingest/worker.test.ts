// Reading in the input worker (input.ts) must change nothing: same report, quarantine and table as
// reading in-process, for every kind of line the worker hands over (plain, quoted, blank, over-long).

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { runIngest, type IngestReport } from './index.ts'
import { piecePast } from './input.ts'
import { FIELDS_AT, LineSplitter, PLAIN, type SplitPiece } from './line-split.ts'
import {
  SIMPLE_HEADER,
  expectFailure,
  lines,
  quiet,
  rows,
  simpleRow,
  tempDir,
  testParams,
  writeFixture,
} from './test-fixtures.ts'

const OUTPUT_FILES = ['transactions.arrow', 'quarantine.csv'] as const

/** The report without what differs between any two runs (duration, output directory). */
function comparable(r: IngestReport): Partial<IngestReport> {
  const rest: Partial<IngestReport> = { ...r }
  delete rest.duration_ms
  delete rest.output_dir
  return rest
}

async function both(file: string, dir: string, data = {}) {
  const ingest = { max_invalid_fraction: 0.5 }
  const inProcess = await runIngest(testParams(file, join(dir, 'a'), data, ingest), {
    ...quiet,
    worker: false,
  })
  const inWorker = await runIngest(testParams(file, join(dir, 'b'), data, ingest), {
    ...quiet,
    worker: true,
  })
  expect(comparable(inWorker)).toEqual(comparable(inProcess))
  for (const name of OUTPUT_FILES) {
    const a = await readFile(join(dir, 'a', name))
    const b = await readFile(join(dir, 'b', name))
    expect(b.equals(a), name).toBe(true)
  }
  return inWorker
}

describe('runIngest with the input worker', () => {
  it('writes exactly what reading in-process writes', async () => {
    const dir = await tempDir()
    const body = rows(20_000, (i) =>
      i % 97 === 0
        ? { product: '"P, quoted"' }
        : i % 89 === 0
          ? { customer: '' }
          : i % 83 === 0
            ? { country: 'Côte d’Ivoire' }
            : i % 79 === 0
              ? { time: 'never' }
              : {}
    )
    // A duplicate, a blank line, a record spanning lines, and a line longer than the worker holds.
    body.splice(500, 0, body[10] as string, '', simpleRow(5, { product: '"two\nlines"' }))
    body.splice(900, 0, simpleRow(6, { product: 'x'.repeat(1_200_000) }))
    const text = '\uFEFF' + lines(SIMPLE_HEADER, ...body).replaceAll('\n', '\r\n')
    const params = { exclude_products: { codes: ['P3'] } }
    const plain = await both(await writeFixture(dir, 'log.csv', text), join(dir, 'plain'), params)
    expect(plain.rows_read).toBe(20_003)
    expect(plain.by_reason).toMatchObject({ duplicate: 1, missing_customer_id: 222 })
    await both(await writeFixture(dir, 'log.csv.gz', text), join(dir, 'gz'), params)
    // Without a final line feed, and the last line not plain.
    await both(
      await writeFixture(dir, 'tail.csv', lines(SIMPLE_HEADER, ...rows(50)) + simpleRow(51)),
      join(dir, 'tail')
    )
    const tail = await both(
      await writeFixture(dir, 'tail2.csv', lines(SIMPLE_HEADER, ...rows(50)) + '"q",1,2'),
      join(dir, 'tail2')
    )
    expect(tail.by_reason.wrong_field_count).toBe(1)
  })

  it('fails as in-process reading does on a truncated gzip and on an unclosed quote', async () => {
    const text = lines(SIMPLE_HEADER, ...rows(5000))
    const whole = gzipSync(text)
    const cut = whole.subarray(0, whole.length - 40)
    for (const worker of [false, true]) {
      const dir = await tempDir()
      const file = await writeFixture(dir, 'cut.csv.gz', cut)
      await expect(
        runIngest(testParams(file, join(dir, 'out')), { ...quiet, worker })
      ).rejects.toThrow(/cut\.csv\.gz: unexpected end of gzip stream/)
    }
    const open = lines(SIMPLE_HEADER, ...rows(3), simpleRow(3, { product: '"P open' }))
    expect(await expectFailure(open)).toMatch(/log\.csv:5:4: unbalanced quotes/)
    const dir = await tempDir()
    const file = await writeFixture(dir, 'log.csv', open)
    await expect(
      runIngest(testParams(file, join(dir, 'out')), { ...quiet, worker: true })
    ).rejects.toThrow(/log\.csv:5:4: unbalanced quotes/)
  })
})

describe('piecePast', () => {
  /** Each line of the pieces as [absolute start, absolute next]. */
  function spans(pieces: readonly SplitPiece[]): [number, number][] {
    const out: [number, number][] = []
    let runStart = -1 // where the partial pieces of an over-long line began
    for (const p of pieces) {
      if (p.partial) {
        if (runStart < 0) runStart = p.offset
        continue
      }
      for (let l = 0, o = 0; l < p.lines; l++) {
        const start = l === 0 && p.continues ? runStart : p.offset + (p.info[o] as number)
        out.push([start, p.offset + (p.info[o + 2] as number)])
        o += FIELDS_AT + (p.info[o + 3] === PLAIN ? 2 * (p.info[o + 4] as number) : 0)
      }
      runStart = -1
    }
    return out
  }

  function cut(bytes: Uint8Array, size: number, maxCarry = 1 << 20): SplitPiece[] {
    const splitter = new LineSplitter(44, maxCarry)
    const pieces: SplitPiece[] = []
    for (let at = 0; at < bytes.length; at += size) {
      pieces.push(...splitter.push(bytes.slice(at, at + size)))
    }
    return [...pieces, ...splitter.end()]
  }

  it('joins lines read here with the worker’s after them, whatever the two cut the input into', () => {
    const text = lines(SIMPLE_HEADER, ...rows(300), 'x'.repeat(500), ...rows(20)) + 'last,line'
    const bytes = new TextEncoder().encode(text)
    const whole = spans(cut(bytes, bytes.length))
    for (const [hereSize, thereSize] of [
      [100, 37],
      [4096, 1000],
      [33, 5000],
    ]) {
      // Over-long lines (maxCarry 64) come in partial pieces here: switch only after whole ones.
      const here = cut(bytes, hereSize as number, 64)
      const there = cut(bytes, thereSize as number)
      for (let k = 0; k <= here.length; k++) {
        const last = here[k - 1]
        if (last?.partial) continue
        const done = last === undefined ? 0 : last.offset + last.bytes.length
        const rest = there.map((p) => piecePast(p, done)).filter((p) => p !== null)
        expect(spans([...here.slice(0, k), ...rest])).toEqual(whole)
      }
    }
  })
})
