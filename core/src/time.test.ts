import { describe, expect, it } from 'vitest'
import { addDays, DAY_MS, inWindow, parseInstant, utcDay } from './time.ts'
import { planCutoffs } from './cutoffs.ts'

describe('time', () => {
  it('windows are half-open', () => {
    const w = { start: 1000, end: 2000 }
    expect(inWindow(1000, w)).toBe(true)
    expect(inWindow(1999, w)).toBe(true)
    expect(inWindow(2000, w)).toBe(false)
  })
  it('parses dates as UTC midnight and zoned instants', () => {
    expect(parseInstant('2011-06-12')).toBe(Date.UTC(2011, 5, 12))
    expect(parseInstant('2011-06-12T10:00:00+01:00')).toBe(Date.UTC(2011, 5, 12, 9))
    expect(() => parseInstant('2011-02-30')).toThrow(/real calendar date/)
    expect(() => parseInstant('2011-06-12T10:00:00')).toThrow(/zone/)
  })
  it('counts UTC days', () => {
    expect(utcDay(Date.UTC(2011, 0, 1, 23, 59))).toBe(utcDay(Date.UTC(2011, 0, 1)))
    expect(addDays(0, 2)).toBe(2 * DAY_MS)
  })
})

describe('planCutoffs', () => {
  it('steps back from the test cutoff so no training label overlaps it', () => {
    const test = parseInstant('2011-06-12')
    const cuts = planCutoffs({ testCutoff: test, stepDays: 28, count: 3, horizonDays: 90 })
    expect(cuts.map((c) => c.split)).toEqual(['train', 'train', 'valid', 'test'])
    expect(cuts[2]!.t0).toBe(parseInstant('2011-03-14'))
    expect(cuts[0]!.t0).toBe(addDays(parseInstant('2011-03-14'), -56))
    for (const c of cuts.slice(0, -1)) expect(addDays(c.t0, 90)).toBeLessThanOrEqual(test)
  })
})
