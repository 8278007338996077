import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { COHORT_DAYS, REGIMES, runGenerate, type GenerateSummary, type Regime } from './index.ts'
import { readWrittenLog, sha256, spendFacts, type SpendFacts } from './test-log.ts'

// Each regime's promise, checked on the rows it writes (2,000 customers, seeded), against the steady
// regime where the promise would not hold, so each check can fail.

const dir = mkdtempSync(join(tmpdir(), 'fcv-regimes-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const START = '2021-01-01'
const CUSTOMERS = 2000

async function generate(
  regime: Regime,
  years: number
): Promise<{ summary: GenerateSummary; facts: SpendFacts }> {
  const out = join(dir, `${regime}-${years}.csv`)
  const summary = await runGenerate({ customers: CUSTOMERS, years, seed: 3, out, regime })
  return { summary, facts: spendFacts(readWrittenLog(out), START) }
}

const ratios = (byYear: number[]) => byYear.slice(1).map((v, i) => v / (byYear[i] as number))

describe('regimes', () => {
  let steady: SpendFacts
  beforeAll(async () => {
    steady = (await generate('steady', 2)).facts
  })

  it('steady acquires all along and grows from its empty start', () => {
    expect(Math.max(...steady.firstDay.values())).toBeGreaterThan(600)
    expect(ratios(steady.byYear)[0]).toBeGreaterThan(1.2)
  })

  it('cohort: every first purchase within the first quarter, then the spend decays', async () => {
    const { summary, facts } = await generate('cohort', 2)
    expect(summary.regime).toBe('cohort')
    expect(facts.firstDay.size).toBe(CUSTOMERS)
    // A birth drawn on a near-closed Saturday opens on the next trading day: at most a day later.
    expect(Math.max(...facts.firstDay.values())).toBeLessThanOrEqual(COHORT_DAYS)
    expect(facts.byYear).toHaveLength(2)
    expect(ratios(facts.byYear)[0]).toBeLessThan(0.7)
  })

  it('growth: the last year well above the first, and more of the spend in Q4', async () => {
    const { facts } = await generate('growth', 2)
    expect(facts.firstDay.size).toBe(CUSTOMERS)
    expect(Math.max(...facts.firstDay.values())).toBeGreaterThan(600)
    const [first, last] = facts.byYear as [number, number]
    expect(last / first).toBeGreaterThan(2)
    expect(last / first).toBeGreaterThan(1.5 * (ratios(steady.byYear)[0] as number))
    expect(facts.q4Share).toBeGreaterThan(steady.q4Share + 0.1)
  })

  it('shrinking: the spend declines year over year, while some customers still arrive', async () => {
    const { facts } = await generate('shrinking', 3)
    expect(facts.byYear).toHaveLength(3)
    for (const r of ratios(facts.byYear)) expect(r).toBeLessThan(0.8)
    const lateArrivals = [...facts.firstDay.values()].filter((d) => d >= 365).length
    expect(lateArrivals / CUSTOMERS).toBeGreaterThan(0.03)
    expect(lateArrivals / CUSTOMERS).toBeLessThan(0.25)
  })

  it('writes the same bytes for the same seed and options, other bytes for another regime', async () => {
    const hashes = new Set<string>()
    for (const regime of REGIMES) {
      for (const orderIds of [true, false]) {
        const options = { customers: 150, years: 2, seed: 9, regime, orderIds }
        const [a, b] = [join(dir, 'a.csv'), join(dir, 'b.csv')]
        const summary = await runGenerate({ ...options, out: a })
        await runGenerate({ ...options, out: b })
        expect(summary).toMatchObject({ regime, orderIds })
        expect(sha256(a)).toBe(sha256(b))
        hashes.add(sha256(a))
      }
    }
    expect(hashes.size).toBe(2 * REGIMES.length)
  })
})
