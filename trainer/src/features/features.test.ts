import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import {
  computeFeatures,
  defineFeatureSpec,
  historyFromTransactions,
  labelMinor,
  parseInstant,
  type Transaction,
} from '@fcv/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { runIngest } from '../ingest/index.ts'
import { readInterim } from '../interim/index.ts'
import { loadParams } from '../params/load.ts'
import type { Params } from '../params/schema.ts'
import { runFeatures, type FeaturesReport } from './index.ts'
import { readFeatureTable, type FeatureTable } from './read-table.ts'

// Runs ingest and features on the shipped sample of the real log (1,000 customers).

const root = resolve(import.meta.dirname, '../../..')
const work = mkdtempSync(join(tmpdir(), 'fcv-features-'))
const quiet = () => {}
const SPLITS = ['train', 'valid', 'test'] as const

function params(extra: string[] = []): Params {
  return loadParams(join(root, 'params.yaml'), [
    `data.path=${join(root, 'data/sample/online_retail_ii_sample.csv.gz')}`,
    `ingest.out_dir=${join(work, 'interim')}`,
    ...extra,
  ])
}

/** Every row of a features directory as a canonical line, so outputs compare as sets. */
async function rowsOf(dir: string): Promise<string[]> {
  const lines: string[] = []
  for (const split of SPLITS) {
    const t = await readFeatureTable(join(dir, `${split}.arrow`))
    const names = [...Object.keys(t.numeric), ...Object.keys(t.categorical)]
    for (let i = 0; i < t.rows; i++) {
      const values = names.map((n) => t.numeric[n]?.[i] ?? t.categorical[n]?.[i])
      lines.push(
        JSON.stringify([split, t.customerIds[i], t.cutoffs[i], ...values, t.labelMinor[i]])
      )
    }
  }
  return lines.sort()
}

let full: string[]

/** The cleaned log per customer, as transactions (order and product ids from their dictionary keys). */
async function transactionsByCustomer(): Promise<Map<string, Transaction[]>> {
  const interim = await readInterim(join(work, 'interim/transactions.arrow'))
  const byCustomer = new Map<string, Transaction[]>()
  for (let i = 0; i < interim.length; i++) {
    const id = interim.customerIds[interim.customer[i] as number] as string
    const order = interim.order[i] as number
    const product = interim.product[i] as number
    const country = interim.country[i] as number
    const list = byCustomer.get(id) ?? []
    list.push({
      customerId: id,
      timestamp: interim.timestamp[i] as number,
      amountMinor: interim.amountMinor[i] as number,
      ...(order < 0 ? {} : { orderId: `o${order}` }),
      ...(product < 0 ? {} : { productId: `p${product}` }),
      ...(country < 0 ? {} : { country: interim.countries[country] }),
    })
    byCustomer.set(id, list)
  }
  return byCustomer
}

beforeAll(async () => {
  await runIngest(params(), { log: quiet, progress: false })
  await runFeatures(params([`features.out_dir=${join(work, 'full')}`]), { log: quiet })
  full = await rowsOf(join(work, 'full'))
}, 60_000)

describe('fcv features on the sample', () => {
  it('writes every split and a schema file describing spec, cutoffs and counts', () => {
    const schema = JSON.parse(readFileSync(join(work, 'full/schema.json'), 'utf8'))
    expect(schema.feature_spec.version).toBe('v2')
    expect(schema.cutoffs).toHaveLength(8)
    expect(schema.cutoffs.at(-1)).toMatchObject({ t0: '2011-06-12', split: 'test' })
    expect(schema.cutoffs.at(-2)).toMatchObject({ t0: '2011-03-14', split: 'valid' })
    const total = SPLITS.reduce((s, k) => s + schema.splits[k].rows, 0)
    expect(total).toBe(full.length)
    expect(schema.customers).toBeGreaterThan(900)
  })

  it('keeps customers without a future purchase, with label 0', async () => {
    const test = await readFeatureTable(join(work, 'full/test.arrow'))
    const zeros = test.labelMinor.filter((v) => v === 0).length
    expect(zeros).toBeGreaterThan(test.rows / 3)
    expect(zeros).toBeLessThan(test.rows)
    expect(Math.min(...test.label)).toBe(0)
  })

  it('gives each customer one row per cutoff at which they had bought before', async () => {
    const interim = await readInterim(join(work, 'interim/transactions.arrow'))
    const t0 = parseInstant('2011-06-12')
    const buyers = new Set<string>()
    for (let i = 0; i < interim.length; i++) {
      if ((interim.timestamp[i] as number) < t0 && (interim.amountMinor[i] as number) > 0) {
        buyers.add(interim.customerIds[interim.customer[i] as number] as string)
      }
    }
    const test = await readFeatureTable(join(work, 'full/test.arrow'))
    expect(new Set(test.customerIds)).toEqual(buyers)
    expect(test.customerIds.length).toBe(buyers.size)
  })

  it('matches the per-customer path the edge and widget use (historyFromTransactions)', async () => {
    const byCustomer = await transactionsByCustomer()
    const spec = defineFeatureSpec({
      horizonDays: 90,
      capDays: 730,
      currencyExponent: 2,
      countryTopK: 12,
    })
    const table: FeatureTable = await readFeatureTable(join(work, 'full/train.arrow'))
    const report = JSON.parse(
      readFileSync(join(work, 'full/schema.json'), 'utf8')
    ) as FeaturesReport
    const fitAt = new Map(report.cutoffs.map((c) => [parseInstant(c.t0), c.btyd?.params ?? null]))
    const names = spec.features.map((f) => f.name)
    for (let i = 0; i < table.rows; i += 37) {
      const h = historyFromTransactions(byCustomer.get(table.customerIds[i]!)!)
      const expected = computeFeatures(h, table.cutoffs[i]!, spec, fitAt.get(table.cutoffs[i]!)!)!
      const got = names.map((n) => table.numeric[n]?.[i] ?? table.categorical[n]?.[i])
      expect(got).toEqual(expected)
      expect(table.labelMinor[i]).toBe(labelMinor(h, table.cutoffs[i]!, 90))
    }
  })

  it("the edge worker's parity fixture holds the trainer's test rows (FCV_UPDATE_FIXTURES=1 rewrites it)", async () => {
    // edge-worker/test/feature-parity.test.ts computes these customers' features inside workerd
    // from the raw transactions below and must get exactly the trainer's vectors. Regenerated
    // here from the shipped sample on every run, so the fixture cannot drift from the trainer.
    const fixturePath = join(root, 'edge-worker/test/fixtures/feature-parity.json')
    const byCustomer = await transactionsByCustomer()
    const report = JSON.parse(
      readFileSync(join(work, 'full/schema.json'), 'utf8')
    ) as FeaturesReport
    const test = await readFeatureTable(join(work, 'full/test.arrow'))
    const cutoff = report.cutoffs.at(-1)!
    const names = report.feature_spec.features.map((f) => f.name)
    // Customers from short to long histories (every 40th by length, up to 400 lines, to keep the
    // file small), all their transactions including those after the cutoff, which the worker
    // must ignore.
    const rows = Array.from({ length: test.rows }, (_, i) => i).sort(
      (a, b) =>
        byCustomer.get(test.customerIds[a]!)!.length -
          byCustomer.get(test.customerIds[b]!)!.length ||
        test.customerIds[a]!.localeCompare(test.customerIds[b]!)
    )
    const picked = rows.filter(
      (i, k) => k % 40 === 0 && byCustomer.get(test.customerIds[i]!)!.length <= 400
    )
    const fixture = {
      about:
        'Generated by trainer/src/features/features.test.ts from data/sample (UCI Online Retail II, ' +
        'CC BY 4.0): customers of the test split, their transactions, and the feature vectors ' +
        'fcv features wrote for them at the test cutoff. Ids are dictionary keys of the interim log.',
      asOf: parseInstant(cutoff.t0),
      featureSpec: report.feature_spec,
      btyd: cutoff.btyd?.params ?? null,
      customers: picked.map((i) => ({
        customerId: test.customerIds[i]!,
        transactions: byCustomer.get(test.customerIds[i]!)!.map(({ customerId: _, ...t }) => t),
        features: names.map((n) => test.numeric[n]?.[i] ?? test.categorical[n]?.[i]),
      })),
    }
    const text = JSON.stringify(fixture) + '\n'
    if (process.env['FCV_UPDATE_FIXTURES'] === '1') writeFileSync(fixturePath, text)
    expect(fixture.customers.length).toBeGreaterThan(20)
    expect(JSON.parse(readFileSync(fixturePath, 'utf8'))).toEqual(JSON.parse(text))
  })

  it('shards partition customers: the union of 3 shards equals the unsharded output exactly', async () => {
    const shards: string[] = []
    const customerSets: Set<string>[] = []
    for (let i = 0; i < 3; i++) {
      const p = params([`features.out_dir=${join(work, 'sharded')}`])
      await runFeatures(p, { shard: { index: i, count: 3 }, log: quiet })
      const dir = join(work, `sharded/shards/${i}-of-3`)
      const rows = await rowsOf(dir)
      expect(rows.length).toBeGreaterThan(0)
      shards.push(...rows)
      customerSets.push(new Set(rows.map((r) => JSON.parse(r)[1] as string)))
    }
    expect(shards.sort()).toEqual(full)
    for (const a of customerSets[0]!)
      expect(customerSets[1]!.has(a) || customerSets[2]!.has(a)).toBe(false)
  })

  it('gives the same rows when memory forces several passes', async () => {
    const p = params([
      `features.out_dir=${join(work, 'passes')}`,
      'features.max_rows_in_memory=20000',
    ])
    const report = await runFeatures(p, { log: quiet })
    expect(report.passes).toBeGreaterThanOrEqual(6)
    expect(await rowsOf(join(work, 'passes'))).toEqual(full)
  })

  it('leaves the previous output untouched when a run fails', async () => {
    const p = params([
      `features.out_dir=${join(work, 'full')}`,
      `ingest.out_dir=${join(work, 'no-such-dir')}`,
    ])
    await expect(runFeatures(p, { log: quiet })).rejects.toThrow(/transactions\.arrow/)
    expect(await rowsOf(join(work, 'full'))).toEqual(full)
    expect(existsSync(join(work, 'no-such-dir'))).toBe(false)
  })
})
