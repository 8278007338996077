import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOG_HEADER, runGenerate, type GenerateSummary, type Regime } from './index.ts'
import { parseCsvLine, sha256 } from './test-log.ts'

const dir = mkdtempSync(join(tmpdir(), 'fcv-generate-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const TIMESTAMP = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:00$/
const isWellFormed = (f: string[]) =>
  f.length === 8 && TIMESTAMP.test(f[4] as string) && /^-?\d+$/.test(f[3] as string)

describe('runGenerate', () => {
  let summary: GenerateSummary
  let lines: string[]
  let rows: string[][]

  beforeAll(async () => {
    const out = join(dir, 'log.csv')
    summary = await runGenerate({ customers: 500, years: 1, seed: 42, out, malformedShare: 0.001 })
    lines = readFileSync(out, 'utf8').split('\n')
    expect(lines.pop()).toBe('') // ends with a newline
    rows = lines.slice(1).map(parseCsvLine)
  })

  it('is byte-identical for the same options, gzip or not, and differs across seeds', async () => {
    const options = { customers: 120, years: 1, seed: 7, start: '2020-03-01' }
    const a = join(dir, 'a.csv.gz')
    const b = join(dir, 'b.csv.gz')
    const plain = join(dir, 'plain.csv')
    const other = join(dir, 'other.csv.gz')
    await runGenerate({ ...options, out: a })
    await runGenerate({ ...options, out: b })
    await runGenerate({ ...options, out: plain })
    await runGenerate({ ...options, seed: 8, out: other })
    expect(sha256(a)).toBe(sha256(b))
    expect(gunzipSync(readFileSync(a)).equals(readFileSync(plain))).toBe(true)
    expect(sha256(other)).not.toBe(sha256(a))
    // The bytes the generator wrote before regimes and --no-order-ids existed (commit 064fd08):
    // the default, and the steady regime with order ids named, must stay exactly these.
    const STEADY = '6b5a0dff0d87ca671dc7c33b7f6b2e94a3cd0b73056d58bf5f4729cb493649db'
    expect(sha256(plain)).toBe(STEADY)
    const named = join(dir, 'named.csv')
    await runGenerate({ ...options, out: named, regime: 'steady', orderIds: true })
    expect(sha256(named)).toBe(STEADY)
  })

  it('writes the UCI Online Retail II format, quoted descriptions included', () => {
    expect(lines[0]).toBe(LOG_HEADER)
    expect(rows.length).toBe(summary.rows.total)
    const good = rows.filter(isWellFormed)
    for (const f of good) {
      expect(f[0]).toMatch(/^C?\d{6}$/)
      expect(f[5]).toMatch(/^\d+\.\d\d$/)
      expect(f[6]).toMatch(/^(\d{5,6})?$/)
    }
    const quoted = lines.filter((l) => l.includes('"'))
    expect(quoted.length).toBeGreaterThan(0)
    const withComma = good.filter((f) => (f[2] as string).includes(','))
    expect(withComma.length).toBeGreaterThan(0)
    expect(good.some((f) => (f[2] as string).includes('"'))).toBe(true)
    expect(summary.customers).toBe(500)
    expect(new Set(good.map((f) => f[6]).filter(Boolean)).size).toBe(500)
  })

  it('keeps rows in time order and invoice numbers increasing', () => {
    let lastTime = ''
    let lastInvoice = 0
    for (const f of rows.filter(isWellFormed)) {
      expect((f[4] as string) >= lastTime).toBe(true)
      lastTime = f[4] as string
      const invoice = Number((f[0] as string).replace('C', ''))
      expect(invoice).toBeGreaterThanOrEqual(lastInvoice)
      lastInvoice = invoice
    }
    expect(summary.firstTimestamp >= '2021-01-01').toBe(true)
    expect(summary.lastTimestamp < '2022-01-01').toBe(true)
  })

  it('has the imperfections of a real log in plausible proportions', () => {
    const n = rows.length
    const guest = rows.filter((f) => f.length === 8 && f[6] === '').length
    expect(guest / n).toBeGreaterThan(0.12)
    expect(guest / n).toBeLessThan(0.3)
    const adjacentDuplicates = lines.filter((l, i) => i > 0 && l === lines[i - 1]).length
    expect(adjacentDuplicates).toBeGreaterThanOrEqual(summary.rows.duplicates)
    expect(summary.rows.duplicates / n).toBeGreaterThan(0.005)
    expect(summary.rows.duplicates / n).toBeLessThan(0.02)
    const returns = rows.filter((f) => isWellFormed(f) && (f[0] as string).startsWith('C'))
    expect(returns.length).toBe(summary.rows.returns)
    expect(returns.every((f) => Number(f[3]) < 0)).toBe(true)
    expect(returns.length / n).toBeGreaterThan(0.005)
    const codes = new Set(rows.map((f) => f[1]))
    for (const code of ['POST', 'DOT', 'M']) expect(codes.has(code)).toBe(true)
    expect(rows.filter((f) => isWellFormed(f) && f[5] === '0.00').length).toBe(
      summary.rows.zeroPrice
    )
    expect(summary.rows.zeroPrice).toBeGreaterThan(0)
  })

  it('writes the malformed rows it reports, and no more than asked', () => {
    const malformed = rows.filter((f) => !isWellFormed(f))
    expect(malformed.length).toBe(summary.rows.malformed)
    expect(malformed.length).toBeGreaterThan(0)
    expect(malformed.length / rows.length).toBeLessThan(0.003)
    const kinds = new Set(
      malformed.map((f) => (f.length !== 8 ? 'field' : f[3] === 'abc' ? 'quantity' : 'date'))
    )
    expect(kinds).toEqual(new Set(['field', 'quantity', 'date']))
  })

  it('shows the Q4 peak', () => {
    const perMonth = new Array<number>(12).fill(0)
    for (const f of rows.filter(isWellFormed)) {
      const month = Number((f[4] as string).slice(5, 7)) - 1
      perMonth[month] = (perMonth[month] as number) + 1
    }
    const summer = ((perMonth[5] as number) + (perMonth[6] as number) + (perMonth[7] as number)) / 3
    expect((perMonth[10] as number) / summer).toBeGreaterThan(1.4)
  })

  it('rejects options it cannot honour', async () => {
    const out = join(dir, 'bad.csv')
    await expect(runGenerate({ customers: 0, years: 1, seed: 1, out })).rejects.toThrow(/customers/)
    await expect(runGenerate({ customers: 5, years: 1, seed: 1.5, out })).rejects.toThrow(/seed/)
    await expect(
      runGenerate({ customers: 5, years: 1, seed: 1, out, start: '2021-02-30' })
    ).rejects.toThrow(/start/)
    const regime = 'booming' as Regime
    await expect(runGenerate({ customers: 5, years: 1, seed: 1, out, regime })).rejects.toThrow(
      /regime must be one of steady, cohort, growth, shrinking/
    )
  })
})
