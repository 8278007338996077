import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { regexes } from 'zod/v4/core'
import { ScoringInputError } from './scoring/errors.ts'
import {
  checkWireTransactions,
  epochMsProblem,
  ISO_DATE_TIME,
  MAX_EPOCH_MS,
  MIN_EPOCH_MS,
  TransactionSchema,
  WIRE_STRING_LIMITS,
  WIRE_TRANSACTION_FIELDS,
} from './transaction.ts'

/** `message` as a string: the whole message after the field. */
function fails(list: unknown[], field: string, message: RegExp | string) {
  try {
    checkWireTransactions(list, 'c1', 'items[2].transactions')
  } catch (e) {
    expect(e).toBeInstanceOf(ScoringInputError)
    expect((e as ScoringInputError).field).toBe(field)
    if (typeof message === 'string') expect((e as Error).message).toBe(`${field}: ${message}`)
    else expect((e as Error).message).toMatch(message)
    return
  }
  throw new Error(`accepted ${JSON.stringify(list)}`)
}

describe('the schema and the zod-free wire check', () => {
  it('accept the same fields with the same string bounds', () => {
    expect(Object.keys(TransactionSchema.shape).sort()).toEqual([...WIRE_TRANSACTION_FIELDS].sort())
    for (const [name, max] of Object.entries(WIRE_STRING_LIMITS)) {
      const field = TransactionSchema.shape[name as keyof typeof WIRE_STRING_LIMITS]
      const string = 'unwrap' in field ? field.unwrap() : field
      expect(string.maxLength, name).toBe(max)
    }
  })

  it('agree on ISO 8601 timestamps', () => {
    for (const ts of [
      '2024-05-02T10:00:00Z',
      '2024-05-02T10:00:00.123+02:00',
      '2024-05-02',
      '2024-05-02T10:00Z',
      'x',
    ]) {
      const wire = (() => {
        try {
          checkWireTransactions([{ timestamp: ts, amountMinor: 1 }], 'c', 'h')
          return true
        } catch {
          return false
        }
      })()
      expect(wire, ts).toBe(z.iso.datetime({ offset: true }).safeParse(ts).success)
    }
  })
})

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

  it("reads ISO timestamps with zod's rule for z.iso.datetime({ offset: true })", () => {
    expect(String(ISO_DATE_TIME)).toBe(String(regexes.datetime({ offset: true })))
  })

  it('names the first wrong field, with the rules of TransactionSchema', () => {
    const ok = { timestamp: 1_700_000_000_000, amountMinor: 1 }
    fails([ok, 7], 'items[2].transactions[1]', /must be an object/)
    fails([[1]], 'items[2].transactions[0]', /must be an object/)
    fails([{ ...ok, extra: 1 }], 'items[2].transactions[0]', /Unrecognized key: "extra"/)
    fails([{ ...ok, timestamp: 'noon' }], 'items[2].transactions[0].timestamp', /ISO 8601/)
    fails([{ ...ok, timestamp: 1.7e12 + 0.5 }], 'items[2].transactions[0].timestamp', /integer/)
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

describe('timestamps that are not epoch ms', () => {
  const SEND = '; send epoch milliseconds or an ISO 8601 date-time'
  const at = (timestamp: number) => [{ timestamp, amountMinor: 1 }]
  const field = 'items[2].transactions[0].timestamp'
  const seconds = (s: number, iso: string) =>
    `${s} looks like epoch seconds (${iso} as seconds)${SEND}`

  it('accepts epoch ms from 1e11 (1973-03-03) to the end of the year 9999, either sign', () => {
    expect(MIN_EPOCH_MS).toBe(Date.parse('1973-03-03T09:46:40Z'))
    expect(MAX_EPOCH_MS).toBe(Date.parse('9999-12-31T23:59:59.999Z'))
    for (const ms of [
      MIN_EPOCH_MS,
      1_714_644_000_000,
      MAX_EPOCH_MS,
      -MIN_EPOCH_MS,
      -MAX_EPOCH_MS,
    ]) {
      expect(epochMsProblem(ms), String(ms)).toBeUndefined()
      expect(checkWireTransactions(at(ms), 'c1', 'x')[0]!.timestamp).toBe(ms)
      expect(TransactionSchema.shape.timestamp.safeParse(ms).success, String(ms)).toBe(true)
    }
  })

  it('refuses what can only be epoch seconds, and says what it would be as seconds', () => {
    fails(at(1_714_644_000), field, seconds(1_714_644_000, '2024-05-02T10:00:00.000Z'))
    fails(at(MIN_EPOCH_MS - 1), field, seconds(MIN_EPOCH_MS - 1, '5138-11-16T09:46:39.000Z'))
    fails(at(1 - MIN_EPOCH_MS), field, seconds(1 - MIN_EPOCH_MS, '-001199-02-15T14:13:21.000Z'))
    fails(at(0), field, seconds(0, '1970-01-01T00:00:00.000Z'))
    // Python's time.time(): fractional seconds are seconds too, not a non-integer ms.
    fails(at(1_714_644_000.25), field, seconds(1_714_644_000.25, '2024-05-02T10:00:00.250Z'))
  })

  it('refuses what can only be micro- or nanoseconds', () => {
    const as = (unit: string, iso: string) => ` looks like epoch ${unit} (${iso} as ${unit})${SEND}`
    fails(
      at(MAX_EPOCH_MS + 1),
      field,
      '253402300800000' + as('microseconds', '1978-01-11T21:31:40.800Z')
    )
    fails(
      at(1_714_644_000_000_000),
      field,
      '1714644000000000' + as('microseconds', '2024-05-02T10:00:00.000Z')
    )
    fails(
      at(1_714_644_000_000_000_000),
      field,
      '1714644000000000000' + as('nanoseconds', '2024-05-02T10:00:00.000Z')
    )
    fails(at(1e21), field, `1e+21 is out of range in epoch ms, microseconds and nanoseconds${SEND}`)
  })

  it('the schema refuses the same values with the same messages', () => {
    for (const ts of [1_714_644_000, 1.7e15, 1.7e18, 1.7e12 + 0.5]) {
      const parsed = TransactionSchema.shape.timestamp.safeParse(ts)
      expect(parsed.success, String(ts)).toBe(false)
      expect(parsed.error?.issues[0]?.message).toBe(epochMsProblem(ts))
    }
  })
})
