// Why a row was quarantined. Codes are stable: they are counted in ingest-report.json and written to
// quarantine.csv, and dashboards or notebooks may key on them.

/** The row could not be read: too many invalid rows fail the run (ingest.max_invalid_fraction). */
export const INVALID_REASONS = [
  'wrong_field_count',
  'bad_timestamp',
  'bad_quantity',
  'bad_unit_price',
  'bad_amount',
] as const

/** The row was read fine but a cleaning rule drops it; any number of these is normal. */
export const RULE_REASONS = [
  'missing_customer_id',
  'duplicate',
  'excluded_product',
  'non_positive_price',
  'zero_amount',
] as const

export type InvalidReason = (typeof INVALID_REASONS)[number]
export type RuleReason = (typeof RULE_REASONS)[number]
export type QuarantineReason = InvalidReason | RuleReason

export const QUARANTINE_REASONS: readonly QuarantineReason[] = [...INVALID_REASONS, ...RULE_REASONS]

const invalid: ReadonlySet<string> = new Set(INVALID_REASONS)

export function isInvalidReason(reason: QuarantineReason): reason is InvalidReason {
  return invalid.has(reason)
}
