// Reads transactions.arrow into flat typed arrays, one record batch at a time, keeping only the rows of
// customers that `keep` accepts. Later stages call this once per shard or memory-bounded pass, so the
// cost that matters is per row. Ids come as the dense Int32 keys ingest wrote next to them
// (schema.ts): the keys are copied (or renumbered over the kept rows), an id string is decoded only
// where its key first appears, `keep` is asked once per customer, and 64-bit integers are read as
// two 32-bit halves. Column buffers are read raw from the file (batches.ts). Order and product id
// strings are decoded only on request (`ids`), once per key, for the few readers that show them.

import { RawBatchFile, aligned, type RawBatch, type RawColumn } from './batches.ts'
import { checkMetadata, openTable } from './table-file.ts'

export { readInterimMeta, type InterimMeta } from './table-file.ts'

/** Rows in columns: the reader's output without its dictionaries, or the kept rows of one batch. */
interface Piece {
  length: number
  customer: Int32Array
  /** Epoch milliseconds. */
  timestamp: Float64Array
  /** Exact integer minor units. */
  amountMinor: Float64Array
  /** Dense index per distinct order id among kept rows, -1 when null. */
  order: Int32Array
  /** Dense index per distinct product id among kept rows, -1 when null. */
  product: Int32Array
  /** Index into `countries`, -1 when null. */
  country: Int32Array
}

export interface InterimColumns extends Piece {
  /** Distinct kept customer ids; index = value in `customer`. */
  customerIds: string[]
  countries: string[]
  currency: string
  currencyExponent: number
}

export interface ReadInterimOptions {
  /** Keep only rows of customers for which this returns true; asked once per distinct customer. */
  keep?: ((customerId: string) => boolean) | undefined
  /** Also decode the order and product id strings (InterimIds). */
  ids?: boolean | undefined
}

/** The id strings behind `order` and `product`: index = value in the column. */
export interface InterimIds {
  orderIds: string[]
  productIds: string[]
}

const TWO_32 = 4294967296
const UNSEEN = -1
const DROPPED = -2
const decoder = new TextDecoder()

/** The values of an Int32 key column (a view of the batch, not a copy). */
function keys(path: string, batch: RawBatch, name: string): Int32Array {
  const c = batch.column(name)
  const values = aligned(c.data, Int32Array)
  if (c.nullCount > 0 || values.length < batch.rows) {
    throw new Error(`${path}: column "${name}" is not a key column; not an interim table`)
  }
  return values
}

/** An Int64 column as 32-bit words, low word first. */
function int64Words(path: string, batch: RawBatch, name: string): Int32Array {
  const words = aligned(batch.column(name).data, Int32Array)
  if (words.length < 2 * batch.rows) throw new Error(`${path}: column "${name}" is too short`)
  return words
}

/** 64-bit words (low first) as exact numbers (|v| < 2^53), into out[at...]. */
function readInt64(words: Int32Array, n: number, out: Float64Array, at: number): void {
  for (let r = 0; r < n; r++) {
    out[at + r] = (words[2 * r + 1] as number) * TWO_32 + ((words[2 * r] as number) >>> 0)
  }
}

/** Value `row` of a Utf8 column, decoded. */
function utf8At(column: RawColumn, row: number): string {
  const { offsets, data } = column
  return decoder.decode(data.subarray(offsets[row] as number, offsets[row + 1] as number))
}

/** Appends the id of each key first seen in this batch (dense keys: the next one is ids.length). */
function pushNewIds(column: RawColumn, keys: Int32Array, ids: string[]): void {
  for (let r = 0; r < keys.length; r++) if (keys[r] === ids.length) ids.push(utf8At(column, r))
}

function piece(n: number): Piece {
  return {
    length: n,
    customer: new Int32Array(n),
    timestamp: new Float64Array(n),
    amountMinor: new Float64Array(n),
    order: new Int32Array(n),
    product: new Int32Array(n),
    country: new Int32Array(n),
  }
}

function truncated(p: Piece, n: number): Piece {
  return {
    length: n,
    customer: p.customer.slice(0, n),
    timestamp: p.timestamp.slice(0, n),
    amountMinor: p.amountMinor.slice(0, n),
    order: p.order.slice(0, n),
    product: p.product.slice(0, n),
    country: p.country.slice(0, n),
  }
}

/** The pieces end to end. */
function concat(pieces: readonly Piece[]): Piece {
  if (pieces.length === 1) return pieces[0] as Piece
  const out = piece(pieces.reduce((sum, p) => sum + p.length, 0))
  let at = 0
  for (const p of pieces) {
    out.customer.set(p.customer, at)
    out.timestamp.set(p.timestamp, at)
    out.amountMinor.set(p.amountMinor, at)
    out.order.set(p.order, at)
    out.product.set(p.product, at)
    out.country.set(p.country, at)
    at += p.length
  }
  return out
}

/** An Int32Array at least `n` long, extended with `fill`. */
function atLeast(a: Int32Array<ArrayBuffer>, n: number, fill: number): Int32Array<ArrayBuffer> {
  if (a.length >= n) return a
  const grown = new Int32Array(Math.max(n, a.length * 2)).fill(fill)
  grown.set(a)
  return grown
}

/**
 * The state of one read across batches. Keys are checked on every row (kept or not): each new key
 * must be the next integer, -1 appears only in the nullable key columns. Each batch is one loop over
 * its rows, so the work per row stays a handful of array reads and writes.
 */
class Reading {
  private readonly path: string
  readonly customerIds: string[] = []
  readonly countries: string[] = []
  /** Only when ids are wanted. */
  readonly ids: InterimIds | undefined
  // Distinct keys in the file so far.
  private customers = 0
  private orders = 0
  private products = 0
  // With a filter: the output key of each file key (customers: or UNSEEN, DROPPED; others: or -1).
  private customerOut = new Int32Array(0)
  private orderOut = new Int32Array(0)
  private productOut = new Int32Array(0)
  private countryOut = new Int32Array(0)
  private ordersKept = 0
  private productsKept = 0

  constructor(path: string, ids: boolean) {
    this.path = path
    this.ids = ids ? { orderIds: [], productIds: [] } : undefined
  }

  /** Copies every row of the batch into out[at...]. */
  all(batch: RawBatch, out: Piece, at: number): void {
    const { path, customerIds, countries } = this
    const n = batch.rows
    const ck = keys(path, batch, 'customer_key').subarray(0, n)
    const ok = keys(path, batch, 'order_key').subarray(0, n)
    const pk = keys(path, batch, 'product_key').subarray(0, n)
    const yk = keys(path, batch, 'country_key').subarray(0, n)
    const customers = this.customers
    this.customers = this.checked('customer_key', ck, customers, false)
    const [orders, products] = [this.orders, this.products]
    this.orders = this.checked('order_key', ok, orders, true)
    this.products = this.checked('product_key', pk, products, true)
    if (this.ids) {
      if (this.orders > orders) pushNewIds(batch.column('order_id'), ok, this.ids.orderIds)
      if (this.products > products) pushNewIds(batch.column('product_id'), pk, this.ids.productIds)
    }
    const countriesSeen = countries.length
    if (this.checked('country_key', yk, countriesSeen, true) > countriesSeen) {
      const names = batch.column('country')
      for (let r = 0; r < n; r++) if (yk[r] === countries.length) countries.push(utf8At(names, r))
    }
    if (this.customers > customers) {
      const ids = batch.column('customer_id')
      for (let r = 0; r < n; r++) if (ck[r] === customerIds.length) customerIds.push(utf8At(ids, r))
    }
    out.customer.set(ck, at)
    out.order.set(ok, at)
    out.product.set(pk, at)
    out.country.set(yk, at)
    readInt64(int64Words(path, batch, 'timestamp'), n, out.timestamp, at)
    readInt64(int64Words(path, batch, 'amount_minor'), n, out.amountMinor, at)
  }

  /** Checks a batch of keys against `seen` distinct keys so far; returns the new count. */
  private checked(name: string, keys: Int32Array, seen: number, nullable: boolean): number {
    const least = nullable ? -1 : 0
    for (let r = 0; r < keys.length; r++) {
      const k = keys[r] as number
      if (k >= seen) {
        if (k !== seen) this.fail(name, k)
        seen++
      } else if (k < least) this.fail(name, k)
    }
    return seen
  }

  /** The rows of the batch whose customer `keep` accepts, with keys renumbered over kept rows. */
  kept(batch: RawBatch, keep: (customerId: string) => boolean): Piece {
    const { path, customerIds, countries } = this
    const n = batch.rows
    const ck = keys(path, batch, 'customer_key')
    const ok = keys(path, batch, 'order_key')
    const pk = keys(path, batch, 'product_key')
    const yk = keys(path, batch, 'country_key')
    const ts = int64Words(path, batch, 'timestamp')
    const am = int64Words(path, batch, 'amount_minor')
    const ids = batch.column('customer_id')
    const names = batch.column('country')
    const orderIds = this.ids?.orderIds
    const productIds = this.ids?.productIds
    const orderNames = orderIds && batch.column('order_id')
    const productNames = productIds && batch.column('product_id')
    // Room for every key this batch can introduce.
    const customerOut = (this.customerOut = atLeast(this.customerOut, this.customers + n, UNSEEN))
    const orderOut = (this.orderOut = atLeast(this.orderOut, this.orders + n, -1))
    const productOut = (this.productOut = atLeast(this.productOut, this.products + n, -1))
    const countryOut = (this.countryOut = atLeast(this.countryOut, this.countryCount + n, -1))
    const out = piece(n)
    const { customer, order, product, country, timestamp, amountMinor } = out
    let customers = this.customers
    let orders = this.orders
    let products = this.products
    let countriesSeen = this.countryCount
    let ordersKept = this.ordersKept
    let productsKept = this.productsKept
    let i = 0
    for (let r = 0; r < n; r++) {
      const c = ck[r] as number
      if (c >= customers) {
        if (c !== customers) this.fail('customer_key', c)
        customers++
      } else if (c < 0) this.fail('customer_key', c)
      const o = ok[r] as number
      if (o >= orders) {
        if (o !== orders) this.fail('order_key', o)
        orders++
      } else if (o < -1) this.fail('order_key', o)
      const p = pk[r] as number
      if (p >= products) {
        if (p !== products) this.fail('product_key', p)
        products++
      } else if (p < -1) this.fail('product_key', p)
      const y = yk[r] as number
      if (y >= countriesSeen) {
        if (y !== countriesSeen) this.fail('country_key', y)
        countriesSeen++
      } else if (y < -1) this.fail('country_key', y)
      let m = customerOut[c] as number
      if (m === UNSEEN) {
        const id = utf8At(ids, r)
        m = keep(id) ? customerIds.push(id) - 1 : DROPPED
        customerOut[c] = m
      }
      if (m === DROPPED) continue
      customer[i] = m
      let oo = -1
      if (o >= 0) {
        oo = orderOut[o] as number
        if (oo === -1) {
          orderOut[o] = oo = ordersKept++
          if (orderIds) orderIds.push(utf8At(orderNames!, r))
        }
      }
      order[i] = oo
      let pp = -1
      if (p >= 0) {
        pp = productOut[p] as number
        if (pp === -1) {
          productOut[p] = pp = productsKept++
          if (productIds) productIds.push(utf8At(productNames!, r))
        }
      }
      product[i] = pp
      let yy = -1
      if (y >= 0) {
        yy = countryOut[y] as number
        if (yy === -1) {
          countryOut[y] = yy = countries.length
          countries.push(utf8At(names, r))
        }
      }
      country[i] = yy
      timestamp[i] = (ts[2 * r + 1] as number) * TWO_32 + ((ts[2 * r] as number) >>> 0)
      amountMinor[i] = (am[2 * r + 1] as number) * TWO_32 + ((am[2 * r] as number) >>> 0)
      i++
    }
    this.customers = customers
    this.orders = orders
    this.products = products
    this.countryCount = countriesSeen
    this.ordersKept = ordersKept
    this.productsKept = productsKept
    return truncated(out, i)
  }

  /** Distinct country keys in the file so far (with a filter, countries lists only kept ones). */
  private countryCount = 0

  private fail(name: string, k: number): never {
    throw new Error(
      `${this.path}: column "${name}" holds key ${k} where ingest writes dense keys; ` +
        `the file is damaged or was not written by fcv ingest`
    )
  }
}

export async function readInterim(
  path: string,
  options: ReadInterimOptions & { ids: true }
): Promise<InterimColumns & InterimIds>
export async function readInterim(
  path: string,
  options?: ReadInterimOptions
): Promise<InterimColumns>
export async function readInterim(
  path: string,
  options: ReadInterimOptions = {}
): Promise<InterimColumns & Partial<InterimIds>> {
  const keep = options.keep
  const table = await openTable(path)
  const { handle } = table
  try {
    const meta = checkMetadata(path, table.schema)
    const file = await RawBatchFile.open(path, table)
    const reading = new Reading(path, options.ids === true)
    let out: Piece
    if (keep === undefined) {
      out = piece(file.rows)
      let at = 0
      for await (const batch of file.batches()) {
        if (at + batch.rows > file.rows) throw new Error(`${path}: record batches changed`)
        reading.all(batch, out, at)
        at += batch.rows
      }
    } else {
      const pieces: Piece[] = []
      for await (const batch of file.batches()) pieces.push(reading.kept(batch, keep))
      out = pieces.length === 0 ? piece(0) : concat(pieces)
    }
    return {
      length: out.length,
      customerIds: reading.customerIds,
      customer: out.customer,
      timestamp: out.timestamp,
      amountMinor: out.amountMinor,
      order: out.order,
      product: out.product,
      country: out.country,
      countries: reading.countries,
      currency: meta.currency,
      currencyExponent: meta.currencyExponent,
      ...reading.ids,
    }
  } finally {
    await handle.close().catch(() => {})
  }
}

/**
 * The first and last transaction times (epoch ms) from the timestamp column alone, with no rows kept:
 * where the log starts and ends. Null for a table without rows.
 */
export async function readInterimTimeRange(
  path: string
): Promise<{ first: number; last: number } | null> {
  const table = await openTable(path)
  try {
    checkMetadata(path, table.schema)
    const file = await RawBatchFile.open(path, table)
    let first = Number.POSITIVE_INFINITY
    let last = Number.NEGATIVE_INFINITY
    for await (const batch of file.batches()) {
      const words = int64Words(path, batch, 'timestamp')
      for (let r = 0; r < batch.rows; r++) {
        const t = (words[2 * r + 1] as number) * TWO_32 + ((words[2 * r] as number) >>> 0)
        if (t < first) first = t
        if (t > last) last = t
      }
    }
    return first <= last ? { first, last } : null
  } finally {
    await table.handle.close().catch(() => {})
  }
}
