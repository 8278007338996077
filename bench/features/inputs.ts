// The benchmark's inputs: the real UCI log when present, and a synthetic log generated once into
// bench/out/ and reused while its generate arguments stay the same.

import {
  createReadStream,
  existsSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import { createGunzip } from 'node:zlib'
import { addDays, formatDay, parseInstant } from '@fcv/core'
import type { Params } from '../../trainer/src/params/schema.ts'
import { BENCH_OUT, CLI, REAL_LOG, REPO_ROOT, capture, log, runStep, StepError } from '../common.ts'
import type { FeaturesOptions, SyntheticSize } from './options.ts'

const SYNTHETIC_START = '2021-01-01'

export interface Input {
  id: string
  kind: 'real' | 'synthetic'
  file: string
  rows: number
  testCutoff: string
  generation?: Record<string, unknown>
}

/** The inputs the options ask for, in order: real log, then synthetic log. */
export async function collectInputs(o: FeaturesOptions, params: Params): Promise<Input[]> {
  const inputs: Input[] = []
  if (o.skipReal) log('real log skipped (--skip-real)')
  else if (!existsSync(REAL_LOG)) log(`real log skipped: ${REAL_LOG} not found`)
  else {
    inputs.push({
      id: 'online-retail-ii',
      kind: 'real',
      file: REAL_LOG,
      rows: await cachedRowCount(REAL_LOG),
      testCutoff: params.features.test_cutoff,
    })
  }
  if (o.skipSynthetic) log('synthetic log skipped (--skip-synthetic)')
  else inputs.push(await syntheticInput(o.synthetic))
  if (inputs.length === 0) throw new StepError('no input to benchmark')
  return inputs
}

/** Data lines of a CSV(.gz) with a header (line count minus the header). */
async function countRows(file: string): Promise<number> {
  let lines = 0
  let last = 10
  const source = createReadStream(file)
  const stream = file.endsWith('.gz') ? source.pipe(createGunzip()) : source
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++
    if (chunk.length) last = chunk[chunk.length - 1] as number
  }
  return lines - 1 + (last === 10 ? 0 : 1)
}

/** Cached facts about an input file, invalidated when its size or mtime change. */
async function cachedRowCount(file: string): Promise<number> {
  const st = statSync(file)
  const meta = path.join(BENCH_OUT, `rows-${path.basename(file)}.json`)
  if (existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as {
      size: number
      mtimeMs: number
      rows: number
    }
    if (m.size === st.size && m.mtimeMs === st.mtimeMs) return m.rows
  }
  log(`counting rows of ${path.basename(file)}`)
  const rows = await countRows(file)
  writeFileSync(meta, JSON.stringify({ size: st.size, mtimeMs: st.mtimeMs, rows }) + '\n')
  return rows
}

/** Generates the synthetic log once per (customers, years, seed, start); later runs reuse it. */
async function syntheticInput(o: SyntheticSize): Promise<Input> {
  const id = `synthetic-c${o.customers}-y${o.years}-s${o.seed}`
  const file = path.join(BENCH_OUT, `${id}.csv.gz`)
  const metaFile = path.join(BENCH_OUT, `${id}.json`)
  const start = parseInstant(SYNTHETIC_START)
  const endYear = new Date(start).getUTCFullYear() + o.years
  const end = Date.UTC(endYear, new Date(start).getUTCMonth(), new Date(start).getUTCDate())
  // The latest cutoff whose 90-day label window the log completes.
  const testCutoff = formatDay(addDays(end, -90))
  if (existsSync(file) && existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { rows: number; generateS: number }
    log(
      `synthetic log cached: ${path.relative(REPO_ROOT, file)} (${meta.rows.toLocaleString('en')} rows)`
    )
    return {
      id,
      kind: 'synthetic',
      file,
      rows: meta.rows,
      testCutoff,
      generation: { ...meta, cached: true },
    }
  }
  if ((await capture(process.execPath, [CLI, 'generate', '--help'])) === undefined) {
    throw new StepError(
      `the generator is not available (node trainer/dist/fcv.mjs generate --help fails)`
    )
  }
  const partial = path.join(BENCH_OUT, `${id}.partial.csv.gz`)
  const args = [
    ...['--customers', String(o.customers), '--years', String(o.years), '--seed', String(o.seed)],
    ...['--start', SYNTHETIC_START, '--out', partial],
  ]
  const step = await runStep(
    `generate ${id} (not timed in the benchmark)`,
    process.execPath,
    [CLI, 'generate', ...args],
    {
      logFile: path.join(BENCH_OUT, 'logs', `${id}.generate.log`),
    }
  )
  renameSync(partial, file)
  const rows = await countRows(file)
  const meta = {
    args: { ...o, start: SYNTHETIC_START },
    rows,
    bytes: statSync(file).size,
    generateS: Number(step.wallS.toFixed(2)),
    date: new Date().toISOString(),
  }
  writeFileSync(metaFile, JSON.stringify(meta, null, 2) + '\n')
  log(
    `synthetic log: ${rows.toLocaleString('en')} rows, ${(meta.bytes / 2 ** 20).toFixed(0)} MB gz, generated in ${meta.generateS} s`
  )
  return { id, kind: 'synthetic', file, rows, testCutoff, generation: { ...meta, cached: false } }
}
