import { describe, expect, it } from 'vitest'
import {
  chooseCustomers,
  ExportError,
  MAX_TRANSACTIONS,
  totalsBefore,
  type ChoiceRequest,
  type CustomerTotals,
} from './select.ts'

function totals(customerId: string, spendMinor: number, over: Partial<CustomerTotals> = {}) {
  return {
    customerId,
    lines: 3,
    spendMinor,
    purchasedMinor: Math.max(spendMinor, 1),
    returnedMinor: 0,
    ...over,
  }
}

const request = (over: Partial<ChoiceRequest> = {}): ChoiceRequest => ({
  named: [],
  pick: 0,
  input: 'in.arrow',
  asOfIso: '2011-06-12T00:00:00.000Z',
  ...over,
})

const ids = (chosen: { totals: CustomerTotals }[]) => chosen.map((c) => c.totals.customerId)

// Ten customers spending 1..10, listed out of order so the ranking is the code's, not the list's.
const TEN = [7, 3, 10, 1, 5, 9, 2, 8, 4, 6].map((s) => totals(`c${s}`, s))

describe('totalsBefore', () => {
  it('sums only lines strictly before asOf, purchases and returns apart', () => {
    const t = totalsBefore(
      {
        length: 5,
        customerIds: ['a', 'b'],
        customer: Int32Array.from([0, 0, 1, 0, 1]),
        timestamp: Float64Array.from([10, 20, 30, 99, 100]),
        amountMinor: Float64Array.from([500, -200, 70, 1000, 5]),
      },
      99
    )
    expect(t).toEqual([
      { customerId: 'a', lines: 2, spendMinor: 300, purchasedMinor: 500, returnedMinor: 200 },
      { customerId: 'b', lines: 1, spendMinor: 70, purchasedMinor: 70, returnedMinor: 0 },
    ])
  })
})

describe('chooseCustomers', () => {
  it('picks the median customer of each of N equal tiers by net spend, lowest first', () => {
    expect(ids(chooseCustomers(TEN, request({ pick: 5 })))).toEqual(['c2', 'c4', 'c6', 'c8', 'c10'])
    expect(ids(chooseCustomers(TEN, request({ pick: 1 })))).toEqual(['c6'])
    expect(ids(chooseCustomers(TEN, request({ pick: 10 })))).toEqual(
      Array.from({ length: 10 }, (_, i) => `c${i + 1}`)
    )
  })

  it('adds the returns-heavy customer with the most returned value, outside the tiers', () => {
    const list = [
      ...TEN,
      totals('r-small', 50, { purchasedMinor: 100, returnedMinor: 50 }),
      totals('r-big', 500, { purchasedMinor: 1000, returnedMinor: 500 }),
      totals('r-light', 900, { purchasedMinor: 1000, returnedMinor: 100 }), // 10%: not heavy
    ]
    const chosen = chooseCustomers(list, request({ pick: 3 }))
    expect(chosen.map((c) => [c.totals.customerId, c.reason])).toEqual([
      ['c4', 'tier'],
      ['c10', 'tier'],
      ['r-big', 'returns-heavy'],
    ])
    // One pick is a tier, never the returns slot.
    expect(ids(chooseCustomers(list, request({ pick: 1 })))).toEqual(['c7'])
  })

  it('never picks a customer without a purchase before asOf or with too long a history', () => {
    const list = [
      totals('returns-only', -40, { purchasedMinor: 0, returnedMinor: 40 }),
      totals('nothing-yet', 0, { lines: 0, purchasedMinor: 0 }),
      totals('huge', 1e9, { lines: MAX_TRANSACTIONS + 1 }),
      totals('ok', 10, { lines: MAX_TRANSACTIONS }),
    ]
    expect(ids(chooseCustomers(list, request({ pick: 1 })))).toEqual(['ok'])
    expect(() => chooseCustomers(list, request({ pick: 2 }))).toThrow(
      /--pick 2: only 1 more customers have a purchase before 2011-06-12/
    )
  })

  it('puts named customers first, in the order given, and picks among the others', () => {
    const chosen = chooseCustomers(TEN, request({ named: ['c9', 'c1'], pick: 2 }))
    expect(chosen.map((c) => [c.totals.customerId, c.reason])).toEqual([
      ['c9', 'named'],
      ['c1', 'named'],
      ['c4', 'tier'],
      ['c8', 'tier'],
    ])
  })

  it('refuses what it cannot export, naming the customer', () => {
    const list = [
      ...TEN,
      totals('late', 0, { lines: 0, purchasedMinor: 0 }),
      totals('huge', 5, { lines: MAX_TRANSACTIONS + 1 }),
    ]
    const fails = (over: Partial<ChoiceRequest>, message: RegExp) => {
      expect(() => chooseCustomers(list, request(over))).toThrow(ExportError)
      expect(() => chooseCustomers(list, request(over))).toThrow(message)
    }
    fails({ named: ['nobody'] }, /customer "nobody" is not in in\.arrow/)
    fails({ named: ['late'] }, /customer "late" has no purchase before 2011-06-12T00:00:00\.000Z/)
    fails({ named: ['huge'] }, /customer "huge" has 2001 transactions before .*at most 2000/)
    fails({ named: ['c1', 'c1'] }, /customer "c1" is named twice/)
    fails({ named: ['c1', ''] }, /an empty customer id/)
    fails({ pick: 51 }, /51 customers asked for; an export holds at most 50/)
    fails({ named: ['c1'], pick: 50 }, /51 customers asked for/)
    fails({}, /give --customers id1,id2,\.\.\. and\/or --pick N/)
  })
})
