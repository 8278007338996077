import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cp, mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { connectionTo, createScorer, MlflowClient, parseInstant, type HistoryItem } from '@fcv/core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { registerVersion } from '../../../control-plane/src/test-support/registry.ts'
import { groupByCustomer, wireHistory } from '../features/customer-order.ts'
import { readFeatureTable } from '../features/read-table.ts'
import { readInterim } from '../interim/index.ts'
import type { Params } from '../params/schema.ts'
import { runScore, SCORE_COLUMNS, ScoreError, type ScoreOptions } from './index.ts'
import { byId, readScoreFiles, sampleCandidate, type ScoreRow } from './test-support.ts'

// `fcv score` on the shipped sample with a candidate trained on it: the files it writes, their
// rows and total, shards and passes, the registered-model path through a real MLflow server, the
// calibrated window, and the errors. Parity with the real Worker: edge-worker/integration/
// score-parity.test.ts.

let work: string
let params: Params
/** The sample's test cutoff: the candidate's calibrated window starts there. */
let testCutoff: number
let run = 0
const lines: string[] = []

beforeAll(async () => {
  ;({ work, params } = await sampleCandidate())
  testCutoff = parseInstant(params.features.test_cutoff)
}, 120_000)

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

/** Scores into a fresh directory; returns its files and what it logged. */
async function score(o: Partial<ScoreOptions> = {}, p: Params = params) {
  const outDir = join(work, `scores-${run++}`)
  lines.length = 0
  const summary = await runScore(p, {
    model: { kind: 'candidate', dir: p.train.out_dir },
    outDir,
    log: (line) => lines.push(line),
    ...o,
  })
  return { summary, files: readScoreFiles(dirname(summary.files.csv)), log: [...lines] }
}

const scoreError = async (o: Partial<ScoreOptions>, p: Params = params) => {
  try {
    await runScore(p, {
      model: { kind: 'candidate', dir: p.train.out_dir },
      outDir: join(work, `refused-${run++}`),
      log: () => {},
      ...o,
    })
  } catch (e) {
    return e as Error
  }
  throw new Error('scored')
}

/** Customers with a purchase (a positive line) strictly before asOf, from the interim log. */
async function buyersBefore(asOf: number): Promise<{ buyers: Set<string>; all: number }> {
  const cols = await readInterim(join(params.ingest.out_dir, 'transactions.arrow'))
  const buyers = new Set<string>()
  for (let i = 0; i < cols.length; i++) {
    if ((cols.timestamp[i] as number) < asOf && (cols.amountMinor[i] as number) > 0)
      buyers.add(cols.customerIds[cols.customer[i] as number]!)
  }
  return { buyers, all: cols.customerIds.length }
}

describe('fcv score on the shipped sample', () => {
  it('writes one row per customer with a purchase before as-of, the same in CSV and Arrow', async () => {
    const { summary, files } = await score({ asOf: params.features.test_cutoff })
    expect(files.csvHeader).toEqual([...SCORE_COLUMNS])
    expect(files.arrowColumns).toEqual([...SCORE_COLUMNS])
    expect(files.arrow).toEqual(files.csv) // exactly: the CSV's floats parse back to the same bits
    const { buyers, all } = await buyersBefore(testCutoff)
    expect(new Set(files.arrow.map((r) => r.customer_id))).toEqual(buyers)
    expect(files.arrow).toHaveLength(buyers.size)
    // the population is the one `fcv features` wrote at the test cutoff
    const test = await readFeatureTable(join(params.features.out_dir, 'test.arrow'))
    expect(new Set(files.arrow.map((r) => r.customer_id))).toEqual(new Set(test.customerIds))
    expect(summary.customers).toEqual({
      scored: buyers.size,
      without_purchase_before_as_of: all - buyers.size,
      in_log: all,
    })
    expect(summary.customers.without_purchase_before_as_of).toBeGreaterThan(0)
    for (const r of files.arrow) {
      expect(r.model_version).toBe(summary.model.version)
      expect(r.as_of).toBe(testCutoff)
      expect(r.expected).toBeGreaterThanOrEqual(0)
      expect(r.p_buy).toBeGreaterThan(0)
      expect(r.p_buy).toBeLessThan(1)
      expect(r.p10 <= r.p50 && r.p50 <= r.p90).toBe(true)
    }
    expect(summary.model).toMatchObject({ source: 'candidate', dir: params.train.out_dir })
    expect(summary.model.version).toMatch(/^candidate@[0-9a-f]{16}$/)
    expect(summary.units).toEqual({
      horizon_days: 90,
      currency: 'GBP',
      currency_exponent: 2,
      amount_unit: 'major',
    })
    expect(summary.as_of).toBe('2011-06-12T00:00:00.000Z')
    expect(summary.as_of_source).toBe('given')
  })

  it('names the candidate by a digest of its files, as sha256sum would list them', async () => {
    const { summary } = await score({ asOf: params.features.test_cutoff })
    const { createHash } = await import('node:crypto')
    const hex = (f: string) =>
      createHash('sha256')
        .update(readFileSync(join(params.train.out_dir, f)))
        .digest('hex')
    const listing = `${hex('model.json')}  model.json\n${hex('weights.bin')}  weights.bin\n`
    const digest = createHash('sha256').update(listing).digest('hex')
    expect(summary.model).toMatchObject({
      sha256: digest,
      version: `candidate@${digest.slice(0, 16)}`,
    })
  })

  it('sums the rows into the total, with an interval around it', async () => {
    const { summary, files } = await score()
    let sum = 0
    for (const r of files.arrow) sum += r.expected // in file order, as the total is summed
    expect(summary.total.expected).toBe(sum)
    expect(summary.total.sd).toBe(Math.sqrt(summary.total.variance))
    expect(summary.total.p10).toBeGreaterThan(0)
    expect(summary.total.p10).toBeLessThan(sum)
    expect(summary.total.p90).toBeGreaterThan(sum)
    // symmetric: the normal approximation, 1.2816 sd either side
    expect(summary.total.p90 - sum).toBeCloseTo(sum - summary.total.p10, 6)
    expect((summary.total.p90 - sum) / summary.total.sd).toBeCloseTo(1.2815515655446004, 10)
    expect(summary.total.method).toMatch(/^normal approximation/)
  })

  it('scores as of the end of the log by default: the day after its last transaction', async () => {
    const { summary, files } = await score()
    expect(summary.log.last).toBe('2011-09-09T15:34:00.000Z')
    expect(summary.as_of).toBe('2011-09-10T00:00:00.000Z')
    expect(summary.as_of_source).toBe('end of log')
    const { buyers } = await buyersBefore(Date.parse('2011-09-10T00:00:00Z'))
    expect(files.arrow).toHaveLength(buyers.size)
  })

  it('gives each customer exactly what core scores for their history (the Worker path)', async () => {
    const { files } = await score({ asOf: params.features.test_cutoff })
    const dir = params.train.out_dir
    const scorer = await createScorer({
      modelJson: readFileSync(join(dir, 'model.json')),
      weights: readFileSync(join(dir, 'weights.bin')),
      version: files.arrow[0]!.model_version,
    })
    const cols = await readInterim(join(params.ingest.out_dir, 'transactions.arrow'), { ids: true })
    const groups = groupByCustomer(cols)
    const index = new Map(groups.customerIds.map((id, c) => [id, c]))
    const items: HistoryItem[] = files.arrow.map((r) => ({
      customerId: r.customer_id,
      transactions: wireHistory(groups, cols, index.get(r.customer_id)!, testCutoff),
    }))
    const want = scorer.scoreHistories(items, testCutoff)
    const got = files.arrow.map((r) => ({
      expected: r.expected,
      pBuy: r.p_buy,
      p10: r.p10,
      p50: r.p50,
      p90: r.p90,
    }))
    expect(got).toEqual(
      want.map(({ expected, pBuy, p10, p50, p90 }) => ({ expected, pBuy, p10, p50, p90 }))
    )
    scorer.dispose()
  })
})

describe('fcv score in parts', () => {
  it('shards: the union of the shards is the unsharded output, and their counts add up', async () => {
    const whole = await score()
    const parts: Awaited<ReturnType<typeof score>>[] = []
    for (let i = 0; i < 3; i++) parts.push(await score({ shard: { index: i, count: 3 } }))
    const union: ScoreRow[] = parts.flatMap((p) => p.files.arrow)
    expect(byId(union)).toEqual(byId(whole.files.arrow))
    for (const p of parts) {
      expect(p.files.arrow.length).toBeGreaterThan(0)
      expect(p.summary.shard).not.toBeNull()
      expect(p.summary.as_of).toBe(whole.summary.as_of) // the whole log's end, not the shard's
      expect(p.summary.files.csv).toMatch(/shards\/\d-of-3\/scores\.csv$/)
    }
    const add = (f: (s: typeof whole.summary) => number) =>
      parts.reduce((sum, p) => sum + f(p.summary), 0)
    expect(add((s) => s.customers.scored)).toBe(whole.summary.customers.scored)
    expect(add((s) => s.customers.in_log)).toBe(whole.summary.customers.in_log)
    // the totals' means and variances add across shards (to rounding: another summation order)
    expect(add((s) => s.total.expected)).toBeCloseTo(whole.summary.total.expected, 6)
    expect(add((s) => s.total.variance) / whole.summary.total.variance).toBeCloseTo(1, 12)
  })

  it('passes: a memory bound reads the log in passes and writes the same rows', async () => {
    const whole = await score()
    const bounded = await score({ maxRowsInMemory: 30_000 })
    expect(bounded.summary.passes).toBe(5)
    expect(bounded.log.filter((l) => /^score: pass \d\/5: /.test(l))).toHaveLength(5)
    expect(byId(bounded.files.arrow)).toEqual(byId(whole.files.arrow))
    expect(bounded.summary.customers).toEqual(whole.summary.customers)
  })
})

describe('the window the model is calibrated for', () => {
  it('is the horizon after the test cutoff: quiet inside it, a warning outside', async () => {
    const inside = await score({ asOf: '2011-07-01' })
    expect(inside.summary.calibrated_window).toMatchObject({
      start: '2011-06-12',
      end: '2011-09-10',
      as_of_inside: true,
    })
    expect(inside.log.join('\n')).not.toMatch(/warning/)
    const outside = await score() // the end of the log, 2011-09-10: the window's end, excluded
    expect(outside.summary.calibrated_window?.as_of_inside).toBe(false)
    expect(outside.log.join('\n')).toMatch(
      /warning: as-of 2011-09-10T00:00:00.000Z is outside the window the model is calibrated for, \[2011-06-12, 2011-09-10\)/
    )
  })

  it('--strict-window refuses an as-of outside the window the model records', async () => {
    const outside = await scoreError({ strictWindow: true })
    expect(outside).toBeInstanceOf(ScoreError)
    expect(outside.message).toMatch(/^--strict-window: as-of 2011-09-10T00:00:00.000Z is outside/)
    expect(
      (await score({ asOf: '2011-06-12', strictWindow: true })).files.arrow.length
    ).toBeGreaterThan(0)
    // The window is the one model.json records, whatever features report lies about
    const other = { ...params, features: { ...params.features, out_dir: join(work, 'nowhere') } }
    const recorded = await score({ asOf: '2011-06-12', strictWindow: true }, other)
    expect(recorded.summary.calibrated_window).toMatchObject({
      start: '2011-06-12',
      end: '2011-09-10',
      from: expect.stringMatching(/^recorded in the model/),
    })
  })
})

describe('fcv score with a registered version', () => {
  const MODEL = 'fcv-score-test'
  let client: MlflowClient
  let version: string

  beforeAll(async () => {
    client = new MlflowClient(connectionTo(inject('mlflowUri'), {}))
    const dir = params.train.out_dir
    version = await registerVersion(
      client,
      MODEL,
      { 'fcv.test_cutoff': params.features.test_cutoff, 'fcv.currency': 'GBP' },
      {
        'model.json': readFileSync(join(dir, 'model.json')),
        'weights.bin': readFileSync(join(dir, 'weights.bin')),
      }
    )
    await client.setAlias(MODEL, 'challenger', version)
  }, 60_000)

  const registered = () => ({
    ...params,
    register: { ...params.register, model_name: MODEL },
  })

  it('scores --model-version N and --alias NAME as the candidate, named by its version', async () => {
    const asOf = params.features.test_cutoff
    const candidate = await score({ asOf })
    for (const model of [
      { kind: 'version', version } as const,
      { kind: 'alias', alias: 'challenger' } as const,
    ]) {
      const outDir = join(work, `scores-${run++}`)
      const summary = await runScore(registered(), { model, asOf, outDir, client, log: () => {} })
      const files = readScoreFiles(outDir)
      expect(files.arrow).toEqual(
        candidate.files.arrow.map((r) => ({ ...r, model_version: version }))
      )
      expect(summary.model).toMatchObject({
        source: 'mlflow',
        name: MODEL,
        version,
        alias: model.kind === 'alias' ? 'challenger' : null,
        tracking_uri: inject('mlflowUri'),
      })
      expect(summary.calibrated_window).toMatchObject({
        start: '2011-06-12',
        from: expect.stringMatching(/^recorded in the model/),
      })
    }
  })

  it('names an unknown version, alias or registered model', async () => {
    const p = registered()
    const refused = (model: ScoreOptions['model'], q: Params = p) =>
      scoreError({ model, client }, q)
    expect((await refused({ kind: 'version', version: '999' })).message).toBe(
      `registered model "${MODEL}" has no version 999 at ${inject('mlflowUri')}`
    )
    expect((await refused({ kind: 'alias', alias: 'nope' })).message).toBe(
      `registered model "${MODEL}" has no alias "nope" at ${inject('mlflowUri')}`
    )
    expect((await refused({ kind: 'version', version: 'latest' })).message).toMatch(
      /^--model-version must be a version number/
    )
    const none = { ...p, register: { ...p.register, model_name: 'fcv-score-no-such-model' } }
    expect((await refused({ kind: 'alias', alias: 'champion-edge' }, none)).message).toBe(
      `no registered model "fcv-score-no-such-model" at ${inject('mlflowUri')} (register.model_name)`
    )
  })
})

describe('fcv score refuses what it cannot score, saying why', () => {
  it('a bad --as-of, or one before any purchase', async () => {
    const bad = await scoreError({ asOf: '2011-13-01' })
    expect(bad).toBeInstanceOf(ScoreError)
    expect(bad.message).toBe('--as-of: "2011-13-01" is not a real calendar date')
    expect((await scoreError({ asOf: 'yesterday' })).message).toMatch(
      /^--as-of: "yesterday" is not a date/
    )
    expect((await scoreError({ asOf: '2009-01-01' })).message).toBe(
      'no customer has a purchase before as-of 2009-01-01T00:00:00.000Z: the log starts at 2009-12-01T09:57:00.000Z'
    )
  })

  it('no model, no ingested log, or a model of other money units', async () => {
    const noModel = await scoreError({ model: { kind: 'candidate', dir: join(work, 'no-model') } })
    expect(noModel.message).toMatch(
      /^no model to score with: .*no-model\/model\.json does not exist; run `fcv train`/
    )
    const noLog = await scoreError({ input: join(work, 'no-log.arrow') })
    expect(noLog.message).toMatch(/no-log\.arrow: no ingested transactions; run `fcv ingest`/)
    const other = join(work, 'other-units')
    await mkdir(other)
    await cp(params.train.out_dir, other, { recursive: true })
    const json = JSON.parse(readFileSync(join(other, 'model.json'), 'utf8'))
    json.userDefinedMetadata.fcv.featureSpec.currencyExponent = 3
    writeFileSync(join(other, 'model.json'), JSON.stringify(json))
    const units = await scoreError({ model: { kind: 'candidate', dir: other } })
    expect(units.message).toMatch(
      /counts money in units of 10\^-3; .* in 10\^-2: it was trained on another log$/
    )
    rmSync(join(other, 'weights.bin'))
    expect((await scoreError({ model: { kind: 'candidate', dir: other } })).message).toMatch(
      /weights\.bin does not exist/
    )
  })

  it('leaves no half-written output behind when it fails', async () => {
    const outDir = join(work, 'kept')
    await score({ outDir, asOf: '2011-07-01' })
    const before = readFileSync(join(outDir, 'scores.csv'), 'utf8')
    await expect(
      runScore(params, {
        model: { kind: 'candidate', dir: params.train.out_dir },
        outDir,
        strictWindow: true,
        log: () => {},
      })
    ).rejects.toThrow(ScoreError)
    expect(readFileSync(join(outDir, 'scores.csv'), 'utf8')).toBe(before)
  })
})
