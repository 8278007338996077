// Turns one record into a clean transaction or a quarantine reason. Checks run in a fixed order
// (field count, then parsing, then cleaning rules) and the first failure names the row's reason:
//   wrong_field_count; bad_timestamp, bad_quantity, bad_unit_price, bad_amount (in that order);
//   missing_customer_id, duplicate, excluded_product, non_positive_price, zero_amount.
// Duplicates are therefore only looked for among rows that have a customer id. When they are kept
// (ingest.duplicates, duplicates.ts) they go through the rules after it like any row, and a kept one
// is marked (ParsedRow.duplicate) so the report can count it.
//
// The record's fields are byte ranges (field-record.ts) and the common cases are read from the bytes
// directly: ASCII whitespace trimmed, plain decimals parsed, a timestamp equal to the previous row's
// recognised by its bytes. Anything else (a non-ASCII character at a field's edge, an unusual number,
// a new timestamp) is decoded and handed to the string functions, so the results and every message
// are exactly theirs.

import { MoneyError, lineAmountMinor, parseDecimal, toMinorUnits, type Decimal } from '@fcv/core'
import type { DataParams } from '../params/schema.ts'
import type { Utf8Interner } from '../interim/utf8-interner.ts'
import type { ColumnLayout } from './columns.ts'
import type { FieldRecord } from './field-record.ts'
import { FIELDS_AT } from './line-split.ts'
import { Hash64Set } from './hash64-set.ts'
import { makeProductExclusion, type ProductExclusion } from './product-exclusion.ts'
import type { QuarantineReason } from './reasons.ts'
import {
  TIMESTAMP_EXAMPLES,
  makeTimestampBytesParser,
  makeTimestampParser,
  makeWallClockToUtc,
  type TimestampBytesParser,
  type TimestampParser,
} from './timestamp.ts'

/** A kept row with its ids as strings, for writing rows that did not come from a validator. */
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

/**
 * A kept row as the validator leaves it: numbers, and the ids as byte ranges of the record's buffer
 * (start -1 for a null id). One object is reused for every row, so copy what you keep.
 */
export class ParsedRow {
  buf: Uint8Array = new Uint8Array(0)
  timestamp = 0
  amountMinor = 0
  customerStart = 0
  customerEnd = 0
  orderStart = -1
  orderEnd = -1
  productStart = -1
  productEnd = -1
  /** The product code's id in the interner the validator was given, -1 when null. */
  productCode = -1
  countryStart = -1
  countryEnd = -1
  hasQuantity = false
  quantity = 0
  hasUnitPrice = false
  unitPrice = 0
  /** Every field equals an earlier row's: only ever true when duplicates are kept. */
  duplicate = false
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

/** A Decimal filled in place, so parsing a row allocates nothing. */
interface MutableDecimal {
  units: number
  scale: number
}

/** 10 ** scale for every scale a Decimal can have, computed the same way toNumber always did. */
const POWERS_OF_TEN = Array.from({ length: 10 }, (_, scale) => 10 ** scale)

function toNumber(d: Decimal): number {
  return d.scale === 0 ? d.units : d.units / (POWERS_OF_TEN[d.scale] as number)
}

/** The ASCII characters String.prototype.trim removes: tab, LF, VT, FF, CR and space. */
function isAsciiSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13)
}

/** Most digits read in place: any 15-digit integer is exact in a double, and so is each step. */
const MAX_FAST_DIGITS = 15
const MAX_SCALE = 9

export class RowValidator {
  readonly row = new ParsedRow()
  private readonly data: DataParams
  private readonly fieldCount: number
  private readonly customerAt: number
  private readonly timestampAt: number
  private readonly amountAt: number
  private readonly quantityAt: number
  private readonly unitPriceAt: number
  private readonly orderAt: number
  private readonly productAt: number
  private readonly countryAt: number
  private readonly exponent: number
  /** data.cancellation.order_id_prefix as UTF-8, or null when no prefix can match. */
  private readonly cancelPrefix: Uint8Array | null
  private readonly parseTimestamp: TimestampParser
  private readonly parseTimestampBytes: TimestampBytesParser | null
  private readonly seen: Hash64Set
  private readonly keepDuplicates: boolean
  private readonly exclusion: ProductExclusion
  /**
   * Product codes by id, and the exclusion rule's verdict on each id: 0 not asked yet, 1 a product,
   * 2 excluded (why: in `exclusions`).
   */
  private readonly codes: Utf8Interner
  private verdicts = new Uint8Array(1024)
  private readonly exclusions = new Map<number, string>()
  private readonly quantityValue: MutableDecimal = { units: 0, scale: 0 }
  private readonly unitPriceValue: MutableDecimal = { units: 0, scale: 0 }
  private readonly amountValue: MutableDecimal = { units: 0, scale: 0 }
  /** quantity x unit price before rounding, as lineAmountMinor computes it. */
  private readonly lineValue: MutableDecimal = { units: 0, scale: 0 }
  /** The previous row's timestamp field (trimmed bytes) and its value, NaN when invalid. */
  private lastTimestamp = new Uint8Array(32)
  private lastTimestampView = new DataView(this.lastTimestamp.buffer)
  private lastTimestampLength = -1
  private lastTimestampValue = Number.NaN
  /** The range trim() found. */
  private from = 0
  private to = 0
  /** What timestampOf() found. */
  private timestamp = Number.NaN
  private readonly rejection: Rejection = { reason: 'duplicate', column: -1, detail: '' }

  /**
   * `productCodes` gives each distinct product code an id (the interim writer's, to share it);
   * `expectedRows` sizes the duplicate set, so it need not grow (and rehash) along the way;
   * `duplicates` says whether exact duplicates are quarantined or kept (and marked).
   */
  constructor(
    data: DataParams,
    layout: ColumnLayout,
    productCodes: Utf8Interner,
    expectedRows = 0,
    duplicates: 'drop' | 'keep' = 'drop'
  ) {
    this.data = data
    // The set is built when duplicates are kept too, to count them: how many identical lines a log
    // holds is what tells a user whether the policy matters for it, and it costs what dropping them
    // costs (9 bytes a slot, 11 to 23 bytes a row), while the fingerprints themselves are computed
    // with the field ranges (line-split.ts) either way.
    this.seen = new Hash64Set(Math.min(Math.max(1 << 12, expectedRows / 0.8), 1 << 26))
    this.keepDuplicates = duplicates === 'keep'
    this.codes = productCodes
    const { index } = layout
    this.fieldCount = layout.fieldCount
    this.customerAt = index.customer_id
    this.timestampAt = index.timestamp
    this.amountAt = index.amount
    this.quantityAt = index.quantity
    this.unitPriceAt = index.unit_price
    this.orderAt = index.order_id
    this.productAt = index.product_id
    this.countryAt = index.country
    this.exponent = data.currency_exponent
    const prefix = data.cancellation.order_id_prefix
    const prefixBytes = prefix ? Buffer.from(prefix, 'utf8') : null
    // A prefix holding a lone surrogate matches no decoded text (decoding never makes one).
    this.cancelPrefix =
      prefixBytes !== null && prefixBytes.toString('utf8') === prefix ? prefixBytes : null
    const toUtc = makeWallClockToUtc(data.timezone)
    this.parseTimestamp = makeTimestampParser(data.timestamp_format, data.timezone, toUtc)
    this.parseTimestampBytes = makeTimestampBytesParser(data.timestamp_format, toUtc)
    const { codes, patterns } = data.exclude_products
    this.exclusion = makeProductExclusion(codes, patterns)
  }

  /** Returns null when the row is kept (its values are in `row`), else why it is not. */
  check(record: FieldRecord): Rejection | null {
    const fieldCount = this.fieldCount
    const count = record.info[record.at + 4] as number
    if (count !== fieldCount) {
      return this.reject('wrong_field_count', -1, `expected ${fieldCount} fields, found ${count}`)
    }
    const bytes = record.bytes
    const buf = record.buf

    this.trim(record, this.timestampAt)
    this.timestampOf(record, this.from, this.to)
    const timestamp = this.timestamp
    if (Number.isNaN(timestamp)) {
      const tsText = buf.toString('utf8', this.from, this.to)
      const format = this.data.timestamp_format
      const example = TIMESTAMP_EXAMPLES[format]
      const detail = tsText.length === 0 ? 'empty' : `"${tsText}" is not a valid ${format} time`
      return this.reject('bad_timestamp', this.timestampAt, `${detail} (e.g. ${example})`)
    }
    const quantity = this.quantityValue
    const hasQuantity = this.quantityAt >= 0
    if (hasQuantity) {
      this.trim(record, this.quantityAt)
      const problem = this.decimal(bytes, buf, this.from, this.to, quantity)
      if (problem !== null) return this.reject('bad_quantity', this.quantityAt, problem)
    }
    const unitPrice = this.unitPriceValue
    const hasUnitPrice = this.unitPriceAt >= 0
    if (hasUnitPrice) {
      this.trim(record, this.unitPriceAt)
      const problem = this.decimal(bytes, buf, this.from, this.to, unitPrice)
      if (problem !== null) return this.reject('bad_unit_price', this.unitPriceAt, problem)
    }
    let amount: number
    try {
      if (this.amountAt >= 0) {
        this.trim(record, this.amountAt)
        const value = this.amountValue
        const problem = this.decimal(bytes, buf, this.from, this.to, value)
        if (problem !== null) return this.reject('bad_amount', this.amountAt, problem)
        amount = this.minorUnits(value)
      } else {
        // lineAmountMinor without its temporary object: same product, same rounding.
        const units = quantity.units * unitPrice.units
        if (!Number.isSafeInteger(units)) lineAmountMinor(quantity, unitPrice, this.exponent)
        const line = this.lineValue
        line.units = units
        line.scale = quantity.scale + unitPrice.scale
        amount = this.minorUnits(line)
      }
    } catch (e) {
      if (!(e instanceof MoneyError)) throw e
      return this.reject('bad_amount', this.amountAt, e.message)
    }

    this.trim(record, this.customerAt)
    const customerStart = this.from
    const customerEnd = this.to
    if (customerStart === customerEnd) {
      return this.reject('missing_customer_id', this.customerAt, 'empty')
    }
    const duplicate = !this.seen.addAt(record.info, record.at + 5)
    if (duplicate && !this.keepDuplicates) {
      return this.reject('duplicate', -1, 'every field equals an earlier row')
    }
    let productStart = -1
    let productEnd = -1
    let productCode = -1
    if (this.productAt >= 0) {
      this.trim(record, this.productAt)
      if (this.from < this.to) {
        productStart = this.from
        productEnd = this.to
        productCode = this.codes.intern(bytes, productStart, productEnd)
        const excluded = this.excluded(productCode, buf, productStart, productEnd)
        if (excluded !== null) return this.reject('excluded_product', this.productAt, excluded)
      }
    }
    if (hasUnitPrice && unitPrice.units <= 0) {
      return this.reject(
        'non_positive_price',
        this.unitPriceAt,
        `unit price ${toNumber(unitPrice)}`
      )
    }
    let orderStart = -1
    let orderEnd = -1
    if (this.orderAt >= 0) {
      this.trim(record, this.orderAt)
      if (this.from < this.to) {
        orderStart = this.from
        orderEnd = this.to
      }
    }
    const prefix = this.cancelPrefix
    if (prefix !== null && orderStart >= 0 && startsWith(bytes, orderStart, orderEnd, prefix)) {
      amount = -Math.abs(amount)
    }
    if (amount === 0) {
      return this.reject('zero_amount', -1, `the line amounts to 0 ${this.data.currency}`)
    }
    let countryStart = -1
    let countryEnd = -1
    if (this.countryAt >= 0) {
      this.trim(record, this.countryAt)
      if (this.from < this.to) {
        countryStart = this.from
        countryEnd = this.to
      }
    }

    const row = this.row
    row.buf = bytes
    row.timestamp = timestamp
    row.amountMinor = amount
    row.customerStart = customerStart
    row.customerEnd = customerEnd
    row.orderStart = orderStart
    row.orderEnd = orderEnd
    row.productStart = productStart
    row.productEnd = productEnd
    row.productCode = productCode
    row.countryStart = countryStart
    row.countryEnd = countryEnd
    row.hasQuantity = hasQuantity
    // toNumber(), written out: a double returned from a call would be allocated.
    row.quantity = !hasQuantity
      ? 0
      : quantity.scale === 0
        ? quantity.units
        : quantity.units / (POWERS_OF_TEN[quantity.scale] as number)
    row.hasUnitPrice = hasUnitPrice
    row.unitPrice = !hasUnitPrice
      ? 0
      : unitPrice.scale === 0
        ? unitPrice.units
        : unitPrice.units / (POWERS_OF_TEN[unitPrice.scale] as number)
    row.duplicate = duplicate
    return null
  }

  /**
   * toMinorUnits(d, exponent) from @fcv/core, with its common case (no rounding: the decimal has at
   * most `exponent` places) done the same way, units * 10 ** places, without computing the power;
   * the core function is still called for anything else, and to throw its error.
   */
  private minorUnits(d: MutableDecimal): number {
    const shift = d.scale - this.exponent
    if (shift <= 0) {
      const out = d.units * (POWERS_OF_TEN[-shift] as number)
      if (Number.isSafeInteger(out)) return out
    }
    return toMinorUnits(d, this.exponent)
  }

  /**
   * Sets from/to to field i's range without the whitespace String.prototype.trim removes. Small, so
   * it is inlined: most fields neither start nor end with a space (or a non-ASCII character).
   */
  private trim(record: FieldRecord, i: number): void {
    const bytes = record.bytes
    const info = record.info
    const f = record.at + FIELDS_AT + 2 * i
    const start = info[f] as number
    const end = info[f + 1] as number
    if (start < end) {
      const first = bytes[start] as number
      const last = bytes[end - 1] as number
      if (first <= 32 || first >= 0x80 || last <= 32 || last >= 0x80) {
        this.trimEdges(record, start, end)
        return
      }
    }
    this.from = start
    this.to = end
  }

  private trimEdges(record: FieldRecord, start: number, end: number): void {
    const bytes = record.bytes
    let s = start
    let e = end
    while (s < e && isAsciiSpace(bytes[s] as number)) s++
    while (e > s && isAsciiSpace(bytes[e - 1] as number)) e--
    if (s < e && ((bytes[s] as number) >= 0x80 || (bytes[e - 1] as number) >= 0x80)) {
      // A non-ASCII character at an edge may be Unicode whitespace: let trim() decide.
      const text = record.buf.toString('utf8', start, end)
      const trimmedStart = text.trimStart()
      const trimmed = trimmedStart.trimEnd()
      s = start + Buffer.byteLength(text.slice(0, text.length - trimmedStart.length), 'utf8')
      e = s + Buffer.byteLength(trimmed, 'utf8')
    }
    this.from = s
    this.to = e
  }

  /**
   * Sets `timestamp` to the epoch ms of the timestamp text [from, to) of the record, NaN when it is
   * not a valid time. (A field, not a return value: a double returned from a call that is not inlined
   * would be allocated.)
   */
  private timestampOf(record: FieldRecord, from: number, to: number): void {
    const n = to - from
    if (n === this.lastTimestampLength) {
      // Compare with the previous row's, four bytes at a time.
      const view = record.view
      const last = this.lastTimestampView
      let k = 0
      while (k + 4 <= n && view.getInt32(from + k) === last.getInt32(k)) k += 4
      while (k < n && view.getUint8(from + k) === last.getUint8(k)) k++
      if (k === n) {
        this.timestamp = this.lastTimestampValue
        return
      }
    }
    const bytes = record.bytes
    const fast = this.parseTimestampBytes
    let value = fast === null ? Number.NaN : fast(bytes, from, to)
    if (Number.isNaN(value)) {
      value = this.parseTimestamp(record.buf.toString('utf8', from, to)) ?? Number.NaN
    }
    if (n > this.lastTimestamp.length) {
      this.lastTimestamp = new Uint8Array(n * 2)
      this.lastTimestampView = new DataView(this.lastTimestamp.buffer)
    }
    const copy = this.lastTimestamp
    for (let k = 0; k < n; k++) copy[k] = bytes[from + k] as number
    this.lastTimestampLength = n
    this.lastTimestampValue = value
    this.timestamp = value
  }

  /**
   * Parses the decimal bytes[from, to) into `out`; returns null, or why the text is not a number.
   * Plain numbers are read in place exactly as parseDecimal reads them; anything else is decoded
   * and left to it.
   */
  private decimal(
    bytes: Uint8Array,
    buf: Buffer,
    from: number,
    to: number,
    out: MutableDecimal
  ): string | null {
    if (from === to) return 'empty'
    let i = from
    let negative = false
    const c0 = bytes[i] as number
    if (c0 === 45 /* - */ || c0 === 43 /* + */) {
      negative = c0 === 45
      i++
    }
    let units = 0
    let scale = 0
    let digits = 0
    let seenPoint = false
    let plain = true
    for (; i < to; i++) {
      const c = bytes[i] as number
      if (c >= 48 && c <= 57) {
        units = units * 10 + (c - 48)
        digits++
        if (seenPoint) scale++
      } else if (c === 46 /* . */ && !seenPoint) {
        seenPoint = true
      } else {
        plain = false
        break
      }
    }
    if (plain && digits > 0 && digits <= MAX_FAST_DIGITS && scale <= MAX_SCALE) {
      out.units = negative ? -units : units
      out.scale = scale
      return null
    }
    const parsed = readDecimal(buf.toString('utf8', from, to))
    if (typeof parsed === 'string') return parsed
    out.units = parsed.units
    out.scale = parsed.scale
    return null
  }

  /** Why product code `id` (the text buf[from, to)) is excluded, or null; asked once per code. */
  private excluded(id: number, buf: Buffer, from: number, to: number): string | null {
    let verdicts = this.verdicts
    if (id >= verdicts.length) {
      verdicts = new Uint8Array(Math.max(id + 1, verdicts.length * 2))
      verdicts.set(this.verdicts)
      this.verdicts = verdicts
    }
    const verdict = verdicts[id]
    if (verdict === 1) return null
    if (verdict === 2) return this.exclusions.get(id) as string
    const why = this.exclusion(buf.toString('utf8', from, to))
    verdicts[id] = why === null ? 1 : 2
    if (why !== null) this.exclusions.set(id, why)
    return why
  }

  private reject(reason: QuarantineReason, column: number, detail: string): Rejection {
    const r = this.rejection
    r.reason = reason
    r.column = column
    r.detail = detail
    return r
  }
}

function startsWith(bytes: Uint8Array, from: number, to: number, prefix: Uint8Array): boolean {
  const n = prefix.length
  if (to - from < n) return false
  for (let k = 0; k < n; k++) if (bytes[from + k] !== prefix[k]) return false
  return true
}
