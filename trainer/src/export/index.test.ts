import { mkdtempSync, rmSync } from 'node:fs'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { checkWireTransactions, parseInstant } from '@fcv/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runIngest } from '../ingest/index.ts'
import {
  lines,
  quiet,
  rows,
  SIMPLE_HEADER,
  tempDir,
  testParams,
  writeFixture,
} from '../ingest/test-fixtures.ts'
import { readInterim } from '../interim/index.ts'
import { loadParams } from '../params/load.ts'
import {
  ExportError,
  RETURNS_HEAVY_SHARE,
  runExportHistories,
  type ExportOptions,
  type HistoriesDocument,
} from './index.ts'

// Exports from the shipped sample of the real log (1,000 customers), ingested once (~1 s).

const root = resolve(import.meta.dirname, '../../..')
const work = mkdtempSync(join(tmpdir(), 'fcv-export-'))
const input = join(work, 'interim/transactions.arrow')
const asOf = parseInstant('2011-06-12')

/** Every interim line of a customer, independently of the export's own code. */
interface Line {
  timestamp: number
  amountMinor: number
}
const linesOf = new Map<string, Line[]>()

beforeAll(async () => {
  const params = loadParams(join(root, 'params.yaml'), [
    `data.path=${join(root, 'data/sample/online_retail_ii_sample.csv.gz')}`,
    `ingest.out_dir=${join(work, 'interim')}`,
  ])
  await runIngest(params, quiet)
  const cols = await readInterim(input)
  for (let i = 0; i < cols.length; i++) {
    const id = cols.customerIds[cols.customer[i] as number] as string
    const list = linesOf.get(id) ?? []
    list.push({
      timestamp: cols.timestamp[i] as number,
      amountMinor: cols.amountMinor[i] as number,
    })
    linesOf.set(id, list)
  }
}, 60_000)

afterAll(() => rmSync(work, { recursive: true, force: true }))

function run(over: Partial<ExportOptions> = {}) {
  return runExportHistories({
    input,
    asOf,
    customers: [],
    pick: 6,
    out: join(work, 'out.json'),
    log: () => {},
    ...over,
  })
}

const before = (id: string) => (linesOf.get(id) ?? []).filter((l) => l.timestamp < asOf)
const sum = (lines: readonly Line[], f: (a: number) => number) =>
  lines.reduce((s, l) => s + f(l.amountMinor), 0)

describe('runExportHistories on the shipped sample', () => {
  it('writes the same customers and bytes every time', async () => {
    const a = join(work, 'a.json')
    const b = join(work, 'b.json')
    await run({ out: a })
    await run({ out: b })
    const text = await readFile(a, 'utf8')
    expect(await readFile(b, 'utf8')).toBe(text)
    const doc = JSON.parse(text) as HistoriesDocument
    expect(doc.customers).toHaveLength(6)
    expect(doc).toMatchObject({
      asOf: '2011-06-12T00:00:00.000Z',
      currency: 'GBP',
      currencyExponent: 2,
      source: { input, dataset: 'UCI Online Retail II (CC BY 4.0), Dr. Daqing Chen' },
    })
  })

  it('spreads --pick over value: tiers from low to high spend, then a returns-heavy customer', async () => {
    const { chosen } = await run()
    expect(chosen.map((c) => c.reason)).toEqual([...Array(5).fill('tier'), 'returns-heavy'])
    const spend = chosen.map((c) => sum(before(c.totals.customerId), (a) => a))
    for (let i = 1; i < 5; i++) expect(spend[i]).toBeGreaterThan(spend[i - 1]!)
    // Against every customer with a purchase before asOf: the lowest tier is in the bottom fifth,
    // the highest in the top fifth.
    const all = [...linesOf.keys()]
      .filter((id) => before(id).some((l) => l.amountMinor > 0))
      .map((id) => sum(before(id), (a) => a))
      .sort((x, y) => x - y)
    expect(spend[0]).toBeLessThanOrEqual(all[Math.floor(all.length / 5)]!)
    expect(spend[4]).toBeGreaterThanOrEqual(all[Math.floor((all.length * 4) / 5)]!)
    const heavy = before(chosen[5]!.totals.customerId)
    const returned = sum(heavy, (a) => Math.max(0, -a))
    expect(returned).toBeGreaterThanOrEqual(RETURNS_HEAVY_SHARE * sum(heavy, (a) => Math.max(0, a)))
  })

  it('exports every line before asOf and none after, in time order, with the real ids', async () => {
    const { document } = await run()
    let cutOff = 0
    for (const c of document.customers) {
      const expected = before(c.customerId)
      cutOff += linesOf.get(c.customerId)!.length - expected.length
      expect(c.transactions).toHaveLength(expected.length)
      expect(sum(c.transactions, (a) => a)).toBe(sum(expected, (a) => a))
      const times = c.transactions.map((t) => t.timestamp)
      expect(times.every((t) => Number.isInteger(t) && t < asOf)).toBe(true)
      expect(times).toEqual([...times].sort((x, y) => x - y))
      for (const t of c.transactions) {
        expect(t.orderId).toMatch(t.amountMinor < 0 ? /^C\d+$/ : /^\d+$/) // the log's invoices
      }
    }
    expect(cutOff).toBeGreaterThan(0) // some of them bought after asOf: the cut was exercised
  })

  it('writes only transactions that the edge and the widget accept', async () => {
    await run({ customers: ['13505', '16555'], pick: 4 })
    const doc = JSON.parse(await readFile(join(work, 'out.json'), 'utf8')) as HistoriesDocument
    doc.customers.forEach((c, i) => {
      expect(() => checkWireTransactions(c.transactions, c.customerId, `[${i}]`)).not.toThrow()
    })
    expect(doc.customers.slice(0, 2).map((c) => c.customerId)).toEqual(['13505', '16555'])
    expect(doc.customers[0]!.label).toBe('Customer 13505 · Switzerland · 2 orders · 1 return')
  })

  it('refuses an unknown customer or one without a purchase before asOf, leaving the output be', async () => {
    const out = join(work, 'kept.json')
    await writeFile(out, 'previous')
    const late = [...linesOf.keys()].find((id) => before(id).length === 0)!
    expect(late).toBeDefined()
    for (const [customers, message] of [
      [
        ['13505', 'no-such-customer'],
        /customer "no-such-customer" is not in .*transactions\.arrow/,
      ],
      [[late], new RegExp(`customer "${late}" has no purchase before 2011-06-12`)],
    ] as const) {
      const failed = run({ customers: [...customers], pick: 0, out })
      await expect(failed).rejects.toThrow(ExportError)
      await expect(failed).rejects.toThrow(message)
    }
    expect(await readFile(out, 'utf8')).toBe('previous')
    expect((await readdir(work)).filter((f) => f.includes('fcv-tmp'))).toEqual([])
  })

  it('refuses to write a transaction the edge would refuse', async () => {
    const dir = await tempDir()
    const log = await writeFixture(
      dir,
      'log.csv',
      lines(SIMPLE_HEADER, ...rows(10, (i) => (i === 7 ? { product: 'P'.repeat(300) } : {})))
    )
    await runIngest(testParams(log, join(dir, 'interim')), quiet)
    const out = join(dir, 'out.json')
    const failed = run({ input: join(dir, 'interim/transactions.arrow'), pick: 5, out })
    await expect(failed).rejects.toThrow(ExportError)
    await expect(failed).rejects.toThrow(
      /customer "C2" has a transaction the edge and the widget refuse: customers\[\d\]\.transactions\[1\]\.productId: must be at most 256 characters/
    )
    await expect(readFile(out)).rejects.toThrow(/ENOENT/)
  })

  it('says to run ingest when there are no interim transactions, and writes nothing', async () => {
    const missing = join(work, 'nowhere/transactions.arrow')
    const out = join(work, 'never.json')
    await expect(run({ input: missing, out })).rejects.toThrow(
      `${missing}: no ingested transactions; run \`fcv ingest\` (or \`fcv pipeline\`) first`
    )
    await expect(readFile(out)).rejects.toThrow(/ENOENT/)
  })
})
