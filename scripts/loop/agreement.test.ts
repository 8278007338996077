import { describe, expect, it } from 'vitest'
import { agreementTable, disagreements, type CustomerScores, type Scores } from './agreement.ts'

const s = (expected: number, modelVersion = '3'): Scores => ({
  expected,
  pBuy: 0.5,
  p10: 0,
  p50: 1,
  p90: 10,
  modelVersion,
})

describe('disagreements', () => {
  it('is empty only when every runtime scored every customer with the version, to the bit', () => {
    const rows: CustomerScores[] = [
      { customerId: 'a', by: { edge: s(1.5), widget: s(1.5), offline: s(1.5) } },
      { customerId: 'b', by: { edge: s(2), widget: s(2), offline: s(2) } },
    ]
    expect(disagreements(rows, '3')).toEqual([])
    expect(agreementTable(rows, 'GBP')[1]).toMatch(/yes, to the bit$/)
  })

  it('names the customer, the field, the runtimes and the difference', () => {
    const off = s(1.5)
    off.p90 = 10 + 2 ** -40
    const rows: CustomerScores[] = [
      { customerId: 'a', by: { edge: s(1.5), widget: s(1.5), offline: off } },
      { customerId: 'b', by: { edge: s(2), offline: s(2, '2') } },
    ]
    expect(disagreements(rows, '3')).toEqual([
      {
        customerId: 'a',
        what: expect.stringMatching(/^p90: edge 10 but offline 10\.0000000000009/),
      },
      { customerId: 'b', what: 'widget: no prediction' },
      { customerId: 'b', what: 'offline: scored by version 2, not 3' },
    ])
    expect(agreementTable(rows, 'GBP')[1]).toMatch(/NO$/)
  })

  it('fails a check that scored nobody', () => {
    expect(disagreements([], '1')).toEqual([{ customerId: '-', what: 'no customer was scored' }])
  })
})
