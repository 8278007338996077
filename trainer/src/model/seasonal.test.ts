import { DAY_MS } from '@fcv/core'
import { describe, expect, it } from 'vitest'
import type { InterimColumns } from '../interim/index.ts'
import { seasonalTarget } from './seasonal.ts'

const t0 = Date.UTC(2011, 2, 14)
const day = (d: number) => t0 + d * DAY_MS

/** Interim columns with just what seasonalTarget reads. */
function columns(rows: [customer: string, day: number, minor: number][]): InterimColumns {
  const ids = [...new Set(rows.map((r) => r[0]))]
  return {
    length: rows.length,
    timestamp: Float64Array.from(rows, (r) => day(r[1])),
    amountMinor: Float64Array.from(rows, (r) => r[2]),
    customer: Int32Array.from(rows, (r) => ids.indexOf(r[0])),
    customerIds: ids,
    currencyExponent: 2,
  } as unknown as InterimColumns
}

describe('seasonalTarget', () => {
  const rows: [string, number, number][] = [
    ['a', -500, 100], // history starts early enough (before t0 - 455 d)
    ['a', -400, 1_000], // [t0 - 455, t0 - 365): "before" last year
    ['b', -300, 1_500], // [t0 - 365, t0 - 275): "after" last year
    ['a', -30, 700], // the population's last 90 days
    ['c', -20, 900], // not in the population
    ['a', 0, 1e9], // at t0 and after: never read
    ['b', 40, 1e9],
  ]

  it("is last year's change across the cutoff date and the population's last horizon", () => {
    const got = seasonalTarget(columns(rows), new Set(['a', 'b']), t0, 90)
    expect(got).toEqual({ rho: 1_500 / 1_000, recent: 700 })
  })

  it('reads nothing at or after the cutoff', () => {
    const without = rows.filter((r) => r[1] < 0)
    expect(seasonalTarget(columns(without), new Set(['a', 'b']), t0, 90)).toEqual(
      seasonalTarget(columns(rows), new Set(['a', 'b']), t0, 90)
    )
  })

  it('declines when the log does not reach a year and a horizon back', () => {
    const short = rows.filter((r) => r[1] > -455)
    expect(seasonalTarget(columns(short), new Set(['a', 'b']), t0, 90)).toEqual({
      reason: 'the log starts less than 365 + 90 days before the cutoff',
    })
  })
})
