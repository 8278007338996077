import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Calendar, parseStartDate } from './calendar.ts'
import { csvField } from '../io/csv-field.ts'
import { formatPence, packMultiplier } from './catalogue.ts'
import { EventQueue } from './event-queue.ts'
import { Random } from '@fcv/core'
import { REGIMES } from './regime.ts'
import { runGenerate } from './run.ts'
import { customersForRows, expectedRows } from './sizing.ts'

describe('generator parts', () => {
  it('pops events in time order', () => {
    const random = new Random(3)
    const queue = new EventQueue()
    for (let i = 0; i < 5000; i++) queue.push(random.uniform() * 100, i)
    let last = -Infinity
    while (queue.size > 0) {
      const t = queue.peekTime()
      queue.pop()
      expect(t).toBeGreaterThanOrEqual(last)
      last = t
    }
    expect(queue.peekTime()).toBe(Infinity)
  })

  it('maps business time to trading hours, monotonically, and closes at Christmas', () => {
    const calendar = new Calendar(parseStartDate('2021-12-20'), 1)
    let last = -1
    for (let f = 0.001; f < 1; f += 0.001) {
      const minute = calendar.minuteOfDay(f)
      expect(minute).toBeGreaterThanOrEqual(Math.max(last, 7 * 60))
      expect(minute).toBeLessThan(21 * 60)
      last = minute
    }
    expect(calendar.dayFactor[4]).toBe(0) // 24 Dec
    expect(calendar.timestamp(0.5)).toMatch(/^2021-12-20 1[2-3]:\d\d:00$/)
    expect(calendar.nextOpen(4.5)).toBe(15.5) // 24 Dec -> Tue 4 Jan 2022, same time of day
  })

  it('formats fields as the real log does', () => {
    expect(formatPence(5)).toBe('0.05')
    expect(formatPence(1250)).toBe('12.50')
    expect(csvField('DOG BOWL , CHASING BALL DESIGN')).toBe('"DOG BOWL , CHASING BALL DESIGN"')
    expect(csvField('FRAME 7" SINGLE')).toBe('"FRAME 7"" SINGLE"')
    expect(csvField('PLAIN')).toBe('PLAIN')
    expect(packMultiplier(0.3)).toBe(1)
    expect(packMultiplier(2.1)).toBe(2)
    expect(packMultiplier(11)).toBe(12)
  })

  it('predicts the row count of a run within 15 %, in every regime', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fcv-sizing-'))
    try {
      for (const regime of REGIMES) {
        const customers = customersForRows(60_000, 2, undefined, regime)
        const out = join(dir, 'x.csv')
        const summary = await runGenerate({ customers, years: 2, seed: 11, out, regime })
        const expected = expectedRows(customers, 2, undefined, regime)
        expect(Math.abs(summary.rows.total / expected - 1), regime).toBeLessThan(0.15)
      }
      // Regimes differ in orders per customer (growth's arrive late, with less of the period left).
      expect(customersForRows(60_000, 2, undefined, 'growth')).toBeGreaterThan(
        1.2 * customersForRows(60_000, 2)
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
