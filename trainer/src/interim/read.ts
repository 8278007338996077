// Reads transactions.arrow into flat typed arrays, one record batch at a time, keeping only the rows of
// customers that `keep` accepts. Later stages call this once per shard or memory-bounded pass, so the
// cost that matters is per row: strings are interned from their bytes (utf8-interner.ts), 64-bit
// integers are read as two 32-bit halves, and output arrays grow geometrically.

import type { Data, RecordBatch } from 'apache-arrow'
import { Columns, OptionalIds, plainBytes } from './column-buffers.ts'
import { checkMetadata, openTable } from './table-file.ts'
import { Utf8Interner } from './utf8-interner.ts'

export { readInterimMeta, type InterimMeta } from './table-file.ts'

export interface InterimColumns {
  length: number
  /** Distinct kept customer ids; index = value in `customer`. */
  customerIds: string[]
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
  countries: string[]
  currency: string
  currencyExponent: number
}

export interface ReadInterimOptions {
  /** Keep only rows of customers for which this returns true; asked once per distinct customer. */
  keep?: ((customerId: string) => boolean) | undefined
}

const TWO_32 = 4294967296

function column(path: string, batch: RecordBatch, name: string): Data {
  const i = batch.schema.fields.findIndex((f) => f.name === name)
  const data = batch.data.children[i]
  if (i < 0 || data === undefined) {
    throw new Error(`${path}: no column "${name}"; not an interim table`)
  }
  return data
}

/** Int64 values as exact numbers (|v| < 2^53), read as two 32-bit halves. */
function int64Reader(data: Data): (row: number) => number {
  const v = data.values as BigInt64Array
  const lo = new Uint32Array(v.buffer, v.byteOffset, v.length * 2)
  const hi = new Int32Array(v.buffer, v.byteOffset, v.length * 2)
  return (row) => (hi[2 * row + 1] as number) * TWO_32 + (lo[2 * row] as number)
}

const UNSEEN = -1
const DROPPED = -2

export async function readInterim(
  path: string,
  options: ReadInterimOptions = {}
): Promise<InterimColumns> {
  const keep = options.keep
  const { handle, reader } = await openTable(path)
  try {
    const meta = checkMetadata(path, reader.schema)
    const customers = new Utf8Interner()
    let customerOut = new Int32Array(1024).fill(UNSEEN)
    const customerIds: string[] = []
    const orders = new OptionalIds()
    const products = new OptionalIds()
    const countries = new OptionalIds()
    const out = new Columns()
    for await (const batch of reader) {
      const n = batch.numRows
      const cust = column(path, batch, 'customer_id')
      const custOffsets = cust.valueOffsets as Int32Array
      const custBytes = plainBytes(cust.values as Uint8Array)
      const timestampAt = int64Reader(column(path, batch, 'timestamp'))
      const amountAt = int64Reader(column(path, batch, 'amount_minor'))
      orders.useBatch(column(path, batch, 'order_id'))
      products.useBatch(column(path, batch, 'product_id'))
      countries.useBatch(column(path, batch, 'country'))
      out.reserve(n)
      for (let r = 0; r < n; r++) {
        const g = customers.intern(
          custBytes,
          custOffsets[r] as number,
          custOffsets[r + 1] as number
        )
        if (g >= customerOut.length) {
          const grown = new Int32Array(customerOut.length * 2).fill(UNSEEN)
          grown.set(customerOut)
          customerOut = grown
        }
        let c = customerOut[g] as number
        if (c === UNSEEN) {
          const id = customers.strings[g] as string
          c = keep === undefined || keep(id) ? customerIds.push(id) - 1 : DROPPED
          customerOut[g] = c
        }
        if (c === DROPPED) continue
        const i = out.length++
        out.customer[i] = c
        out.timestamp[i] = timestampAt(r)
        out.amountMinor[i] = amountAt(r)
        out.order[i] = orders.lookup(r)
        out.product[i] = products.lookup(r)
        out.country[i] = countries.lookup(r)
      }
    }
    const length = out.length
    return {
      length,
      customerIds,
      customer: out.customer.slice(0, length),
      timestamp: out.timestamp.slice(0, length),
      amountMinor: out.amountMinor.slice(0, length),
      order: out.order.slice(0, length),
      product: out.product.slice(0, length),
      country: out.country.slice(0, length),
      countries: countries.strings(),
      currency: meta.currency,
      currencyExponent: meta.currencyExponent,
    }
  } finally {
    await handle.close().catch(() => {})
  }
}
