// Turns one tokenized row into a clean transaction or a quarantine reason. Checks run in a fixed order
// (field count, then parsing, then cleaning rules) and the first failure names the row's reason:
//   wrong_field_count; bad_timestamp, bad_quantity, bad_unit_price, bad_amount (in that order);
//   missing_customer_id, duplicate, excluded_product, non_positive_price, zero_amount.
// Duplicates are therefore only looked for among rows that have a customer id.

import { MoneyError, lineAmountMinor, parseDecimal, toMinorUnits, type Decimal } from '@fcv/core'
import type { DataParams } from '../params/schema.ts'
import type { ColumnLayout } from './columns.ts'
import { Hash64Set, fingerprintFields, type Fingerprint } from './hash64-set.ts'
import { makeProductExclusion, type ProductExclusion } from './product-exclusion.ts'
import type { QuarantineReason } from './reasons.ts'
import { TIMESTAMP_EXAMPLES, makeTimestampParser, type TimestampParser } from './timestamp.ts'

/** A kept row; one object is reused for every row, so copy what you keep. */
export interface CleanRow {
  customerId: string
  timestamp: number
  amountMinor: number
  orderId: string | null
  productId: string | null
  country: string | null
  quantity: number | null
  unitPrice: number | null
}

export interface Rejection {
  reason: QuarantineReason
  /** Field position at fault, -1 when no single field is. */
  column: number
  detail: string
}

type DecimalResult = Decimal | string // a string is the reason the text is not a number

function readDecimal(text: string): DecimalResult {
  if (text.length === 0) return 'empty'
  try {
    return parseDecimal(text) ?? `"${text}" is not a decimal number`
  } catch (e) {
    return (e as Error).message
  }
}

function toNumber(d: Decimal): number {
  return d.scale === 0 ? d.units : d.units / 10 ** d.scale
}

function optionalText(fields: readonly string[], i: number): string | null {
  if (i < 0) return null
  const s = (fields[i] as string).trim()
  return s.length === 0 ? null : s
}

export class RowValidator {
  readonly row: CleanRow = {
    customerId: '',
    timestamp: 0,
    amountMinor: 0,
    orderId: null,
    productId: null,
    country: null,
    quantity: null,
    unitPrice: null,
  }
  private readonly layout: ColumnLayout
  private readonly data: DataParams
  private readonly parseTimestamp: TimestampParser
  private readonly seen = new Hash64Set(1 << 16)
  private readonly fingerprint: Fingerprint = { h1: 0, h2: 0 }
  private readonly exclusion: ProductExclusion
  private readonly rejection: Rejection = { reason: 'duplicate', column: -1, detail: '' }

  constructor(data: DataParams, layout: ColumnLayout) {
    this.data = data
    this.layout = layout
    this.parseTimestamp = makeTimestampParser(data.timestamp_format, data.timezone)
    this.exclusion = makeProductExclusion(
      data.exclude_products.codes,
      data.exclude_products.patterns
    )
  }

  /** Returns null when the row is kept (its values are in `row`), else why it is not. */
  check(fields: readonly string[]): Rejection | null {
    const { index, fieldCount } = this.layout
    if (fields.length !== fieldCount) {
      return this.reject(
        'wrong_field_count',
        -1,
        `expected ${fieldCount} fields, found ${fields.length}`
      )
    }
    const tsText = (fields[index.timestamp] as string).trim()
    const timestamp = this.parseTimestamp(tsText)
    if (timestamp === undefined) {
      const format = this.data.timestamp_format
      const example = TIMESTAMP_EXAMPLES[format]
      const detail = tsText.length === 0 ? 'empty' : `"${tsText}" is not a valid ${format} time`
      return this.reject('bad_timestamp', index.timestamp, `${detail} (e.g. ${example})`)
    }
    let quantity: Decimal | null = null
    if (index.quantity >= 0) {
      const q = readDecimal((fields[index.quantity] as string).trim())
      if (typeof q === 'string') return this.reject('bad_quantity', index.quantity, q)
      quantity = q
    }
    let unitPrice: Decimal | null = null
    if (index.unit_price >= 0) {
      const p = readDecimal((fields[index.unit_price] as string).trim())
      if (typeof p === 'string') return this.reject('bad_unit_price', index.unit_price, p)
      unitPrice = p
    }
    let amount: number
    const exponent = this.data.currency_exponent
    try {
      if (index.amount >= 0) {
        const a = readDecimal((fields[index.amount] as string).trim())
        if (typeof a === 'string') return this.reject('bad_amount', index.amount, a)
        amount = toMinorUnits(a, exponent)
      } else {
        amount = lineAmountMinor(quantity as Decimal, unitPrice as Decimal, exponent)
      }
    } catch (e) {
      if (!(e instanceof MoneyError)) throw e
      return this.reject('bad_amount', index.amount, e.message)
    }

    const customerId = (fields[index.customer_id] as string).trim()
    if (customerId.length === 0) {
      return this.reject('missing_customer_id', index.customer_id, 'empty')
    }
    if (!this.seen.add(fingerprintFields(fields, this.fingerprint))) {
      return this.reject('duplicate', -1, 'every field equals an earlier row')
    }
    const productId = optionalText(fields, index.product_id)
    if (productId !== null) {
      const excluded = this.exclusion(productId)
      if (excluded !== null) return this.reject('excluded_product', index.product_id, excluded)
    }
    if (unitPrice !== null && unitPrice.units <= 0) {
      return this.reject(
        'non_positive_price',
        index.unit_price,
        `unit price ${toNumber(unitPrice)}`
      )
    }
    const orderId = optionalText(fields, index.order_id)
    const prefix = this.data.cancellation.order_id_prefix
    if (prefix && orderId !== null && orderId.startsWith(prefix)) amount = -Math.abs(amount)
    if (amount === 0) {
      return this.reject('zero_amount', -1, `the line amounts to 0 ${this.data.currency}`)
    }

    const row = this.row
    row.customerId = customerId
    row.timestamp = timestamp
    row.amountMinor = amount
    row.orderId = orderId
    row.productId = productId
    row.country = optionalText(fields, index.country)
    row.quantity = quantity === null ? null : toNumber(quantity)
    row.unitPrice = unitPrice === null ? null : toNumber(unitPrice)
    return null
  }

  private reject(reason: QuarantineReason, column: number, detail: string): Rejection {
    const r = this.rejection
    r.reason = reason
    r.column = column
    r.detail = detail
    return r
  }
}
