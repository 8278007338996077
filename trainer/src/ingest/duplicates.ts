// What ingest does with exact duplicate lines (every field equal to an earlier line's), from
// ingest.duplicates and the column mapping. An order id tells one order's lines apart, so a line
// repeated with its order id is the same line exported twice; without an order id, identical lines
// (same customer, time and amount) can be separate purchases, and dropping them loses real spend.

import type { DataParams, IngestParams } from '../params/schema.ts'

export type DuplicatesSetting = IngestParams['duplicates']

export interface DuplicatesPolicy {
  /** ingest.duplicates as given. */
  setting: DuplicatesSetting
  /** What this run does: quarantine them (reason `duplicate`) or keep them. */
  policy: 'drop' | 'keep'
  /** Why, in words, for the report. */
  reason: string
}

export function resolveDuplicates(
  setting: DuplicatesSetting,
  columns: DataParams['columns']
): DuplicatesPolicy {
  if (setting !== 'auto') return { setting, policy: setting, reason: 'set in ingest.duplicates' }
  return columns.order_id !== null
    ? { setting, policy: 'drop', reason: 'an order id column is mapped' }
    : { setting, policy: 'keep', reason: 'no order id column is mapped' }
}
