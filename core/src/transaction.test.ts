import { describe, expect, it } from 'vitest'
import { ScoringInputError } from './scoring/errors.ts'
import { checkWireTransactions } from './transaction.ts'

function fails(list: unknown[], field: string, message: RegExp) {
  try {
    checkWireTransactions(list, 'c1', 'items[2].transactions')
  } catch (e) {
    expect(e).toBeInstanceOf(ScoringInputError)
    expect((e as ScoringInputError).field).toBe(field)
    expect((e as Error).message).toMatch(message)
    return
  }
  throw new Error(`accepted ${JSON.stringify(list)}`)
}

describe('checkWireTransactions', () => {
  it('accepts the wire form and turns ISO timestamps into epoch ms, in place', () => {
    const list = [
      { timestamp: 1_700_000_000_000, amountMinor: 500, orderId: 'o1', customerId: 'c1' },
      { timestamp: '2026-01-02T03:04:05.006+01:00', amountMinor: -20, country: 'FR', quantity: 2 },
    ]
    const checked = checkWireTransactions(list, 'c1', 'x')
    expect(checked).toBe(list)
    expect(checked[1]!.timestamp).toBe(Date.parse('2026-01-02T02:04:05.006Z'))
  })

  it('names the first wrong field, with the rules of TransactionSchema', () => {
    const ok = { timestamp: 1, amountMinor: 1 }
    fails([ok, 7], 'items[2].transactions[1]', /must be an object/)
    fails([[1]], 'items[2].transactions[0]', /must be an object/)
    fails([{ ...ok, extra: 1 }], 'items[2].transactions[0]', /Unrecognized key: "extra"/)
    fails([{ ...ok, timestamp: 'noon' }], 'items[2].transactions[0].timestamp', /ISO 8601/)
    fails([{ ...ok, timestamp: 1.5 }], 'items[2].transactions[0].timestamp', /integer epoch ms/)
    fails([{ ...ok, timestamp: 2 ** 60 }], 'items[2].transactions[0].timestamp', /integer/)
    fails([{ ...ok, amountMinor: 0.5 }], 'items[2].transactions[0].amountMinor', /integer amount/)
    fails([{ ...ok, orderId: 3 }], 'items[2].transactions[0].orderId', /must be a string/)
    fails([{ ...ok, unitPrice: null }], 'items[2].transactions[0].unitPrice', /finite number/)
    fails([{ ...ok, customerId: 'c2' }], 'items[2].transactions[0].customerId', /differs/)
    fails(
      [{ ...ok, productId: 'p'.repeat(257) }],
      'items[2].transactions[0].productId',
      /at most 256/
    )
    fails([{ ...ok, country: 'c'.repeat(129) }], 'items[2].transactions[0].country', /at most 128/)
  })
})
