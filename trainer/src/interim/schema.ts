// The interim table that ingest writes and later stages read: one Arrow IPC file, one row per kept
// transaction line. Amounts are exact integer minor units; the currency travels in schema metadata.
//
// Format 2 adds a dense Int32 key next to each id column, assigned by ingest in order of first
// appearance (0, 1, 2, ... over the file's rows; -1 where the id is null). Equal keys mean equal ids
// (compared as UTF-8 bytes), so readers group by key and decode an id string only once per key.

import { Field, Float64, Int32, Int64, Schema, TimeUnit, Timestamp, Utf8 } from 'apache-arrow'

export const INTERIM_FORMAT_VERSION = '2'

export const INTERIM_METADATA_KEYS = {
  currency: 'fcv.currency',
  currencyExponent: 'fcv.currency_exponent',
  source: 'fcv.source',
  formatVersion: 'fcv.format_version',
} as const

/** Column order of the file; the reader looks columns up by name, so this order is not load-bearing. */
export const INTERIM_FIELDS = [
  new Field('customer_id', new Utf8(), false),
  new Field('timestamp', new Timestamp(TimeUnit.MILLISECOND, 'UTC'), false),
  new Field('amount_minor', new Int64(), false),
  new Field('order_id', new Utf8(), true),
  new Field('product_id', new Utf8(), true),
  new Field('country', new Utf8(), true),
  new Field('quantity', new Float64(), true),
  new Field('unit_price', new Float64(), true),
  new Field('source_line', new Int32(), false),
  new Field('customer_key', new Int32(), false),
  new Field('order_key', new Int32(), false),
  new Field('product_key', new Int32(), false),
  new Field('country_key', new Int32(), false),
] as const

export interface InterimSource {
  currency: string
  currencyExponent: number
  /** The transaction log the table was ingested from, as params named it. */
  source: string
}

export function interimSchema(meta: InterimSource): Schema {
  const k = INTERIM_METADATA_KEYS
  const metadata = new Map<string, string>([
    [k.currency, meta.currency],
    [k.currencyExponent, String(meta.currencyExponent)],
    [k.source, meta.source],
    [k.formatVersion, INTERIM_FORMAT_VERSION],
  ])
  return new Schema([...INTERIM_FIELDS], metadata)
}
