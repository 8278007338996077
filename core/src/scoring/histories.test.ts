import { describe, expect, it } from 'vitest'
import { EXAMPLE_BTYD_PARAMS } from '../btyd/example-params.ts'
import { computeFeatures } from '../features/compute.ts'
import { historyFromTransactions } from '../features/history.ts'
import { DAY_MS } from '../time.ts'
import type { Transaction } from '../transaction.ts'
import { ScoringInputError } from './errors.ts'
import { historyBatch, type HistoryTransaction } from './histories.ts'
import { AS_OF, SPEC, randomHistories } from './test-models.ts'

describe('historyBatch', () => {
  it('gives computeFeatures the vectors historyFromTransactions gives, customer by customer', () => {
    const lists = randomHistories(400, 11)
    const { columns, offsets } = historyBatch(lists, (c) => `items[${c}].transactions`)
    let scored = 0
    lists.forEach((list, c) => {
      const one = historyFromTransactions(
        list.map((t) => ({ ...t, customerId: 'c' }) as Transaction)
      )
      const batch = { ...columns, start: offsets[c]!, end: offsets[c + 1]! }
      for (const t0 of [AS_OF, AS_OF - 200 * DAY_MS]) {
        const expected = computeFeatures(one, t0, SPEC, EXAMPLE_BTYD_PARAMS)
        expect(computeFeatures(batch, t0, SPEC, EXAMPLE_BTYD_PARAMS)).toEqual(expected)
        if (expected) scored++
      }
    })
    expect(scored).toBeGreaterThan(500)
  })

  it('names the field of a bad value', () => {
    const ok: HistoryTransaction = { timestamp: AS_OF - DAY_MS, amountMinor: 100 }
    const field = (c: number) => `items[${c}].transactions`
    const cases: [unknown, string][] = [
      [null, 'items[1].transactions[1]: must be an object'],
      [{ ...ok, timestamp: Number.NaN }, 'items[1].transactions[1].timestamp: must be finite'],
      [{ ...ok, timestamp: '2011-01-01' }, 'items[1].transactions[1].timestamp: must be finite'],
      [
        { ...ok, amountMinor: 12.5 },
        'items[1].transactions[1].amountMinor: 12.5 is not an integer',
      ],
      [{ ...ok, orderId: 7 }, 'items[1].transactions[1].orderId: must be a string'],
      [{ ...ok, country: null }, 'items[1].transactions[1].country: must be a string'],
      [{ ...ok, quantity: Number.POSITIVE_INFINITY }, 'items[1].transactions[1].quantity: must be'],
    ]
    for (const [bad, message] of cases) {
      const lists = [[ok], [ok, bad as HistoryTransaction]]
      expect(() => historyBatch(lists, field)).toThrow(ScoringInputError)
      expect(() => historyBatch(lists, field)).toThrow(message)
    }
    expect(() => historyBatch([[ok], {} as HistoryTransaction[]], field)).toThrow(
      'items[1].transactions: must be an array'
    )
  })
})
