import { once } from 'node:events'
import type { Writable } from 'node:stream'
import type { Random } from '@fcv/core'

export const LOG_HEADER =
  'Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country'

/**
 * The header of a log written without order ids: no Invoice column, so no `C` invoice marks a
 * return either; a return is a line with a negative quantity.
 */
export const LOG_HEADER_WITHOUT_ORDER_ID =
  'StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country'

/** What a row is, beyond its fields; several can hold at once. */
export const RETURN = 1
export const NON_PRODUCT = 2
export const ZERO_PRICE = 4

/**
 * Rows written, by property. Every count but `total` and `malformed` counts well-formed rows only,
 * duplicates included (a duplicated guest row counts twice in `withoutCustomerId`).
 */
export interface RowCounts {
  total: number
  withoutCustomerId: number
  duplicates: number
  returns: number
  nonProduct: number
  zeroPrice: number
  malformed: number
}

/** Text is accumulated and handed to the sink in chunks of about this many characters. */
const CHUNK_CHARS = 1 << 18

/**
 * Turns rows into log lines, adds the defects that sit at the row level (exact duplicates right
 * after their original, malformed rows instead of a good one), and batches writes so the hot loop
 * stays synchronous and awaits only at chunk boundaries, where backpressure is honoured. Without
 * order ids the Invoice field is left out of every line; duplicates are still written (in such a
 * log, two equal lines can be two purchases).
 */
export class LogWriter {
  readonly rows: RowCounts = {
    total: 0,
    withoutCustomerId: 0,
    duplicates: 0,
    returns: 0,
    nonProduct: 0,
    zeroPrice: 0,
    malformed: 0,
  }
  characters = 0
  private chunk = ''
  private current = { invoice: '', timestamp: '', customer: '', country: '' }
  private prefix = ''
  private middle = ''
  private suffix = ''
  private readonly sink: Writable
  private readonly random: Random
  private readonly malformedShare: number
  private readonly defectShare: number
  private readonly orderIds: boolean

  constructor(
    sink: Writable,
    random: Random,
    duplicateShare: number,
    malformedShare: number,
    orderIds = true
  ) {
    this.sink = sink
    this.random = random
    this.malformedShare = malformedShare
    this.defectShare = malformedShare + duplicateShare
    this.orderIds = orderIds
    this.chunk = `${orderIds ? LOG_HEADER : LOG_HEADER_WITHOUT_ORDER_ID}\n`
  }

  get needsFlush(): boolean {
    return this.chunk.length >= CHUNK_CHARS
  }

  /** Sets the fields that every line of the next invoice shares. */
  invoice(invoice: string, timestamp: string, customer: string, country: string): void {
    this.current = { invoice, timestamp, customer, country }
    this.prefix = this.orderIds ? `${invoice},` : ''
    this.middle = `,${timestamp},`
    this.suffix = `,${customer},${country}\n`
  }

  /** One line of the current invoice; `description` already CSV-escaped, `kind` a flag set. */
  line(code: string, description: string, quantity: number, price: string, kind: number): void {
    const u = this.random.uniform()
    if (u < this.malformedShare) {
      this.malformed(code, description, quantity, price)
      return
    }
    const line = `${this.prefix}${code},${description},${quantity}${this.middle}${price}${this.suffix}`
    let copies = 1
    if (u < this.defectShare) {
      copies = 2
      this.rows.duplicates++
    }
    for (let c = 0; c < copies; c++) {
      this.chunk += line
      this.rows.total++
      if (this.current.customer === '') this.rows.withoutCustomerId++
      if (kind & RETURN) this.rows.returns++
      if (kind & NON_PRODUCT) this.rows.nonProduct++
      if (kind & ZERO_PRICE) this.rows.zeroPrice++
    }
  }

  /** One of the defects an ingest must quarantine: an impossible date, a non-number, a lost field. */
  private malformed(code: string, description: string, quantity: number, price: string): void {
    const { invoice, timestamp, customer, country } = this.current
    const variant = this.random.int(3)
    const date = variant === 0 ? `${timestamp.slice(0, 4)}-13-45 25:00:00` : timestamp
    const qty = variant === 1 ? 'abc' : String(quantity)
    const tail = variant === 2 ? '' : `,${country}`
    const head = this.orderIds ? `${invoice},` : ''
    this.chunk += `${head}${code},${description},${qty},${date},${price},${customer}${tail}\n`
    this.rows.total++
    this.rows.malformed++
  }

  /** Hands the pending text to the sink; waits while the sink is over its high-water mark. */
  async flush(): Promise<void> {
    if (this.chunk === '') return
    const text = this.chunk
    this.chunk = ''
    this.characters += text.length
    if (!this.sink.write(text)) await once(this.sink, 'drain')
  }
}
