// ingest-report.json: what was read, kept and dropped, and the totals later stages can check against.
// Distinct customers and orders are the interim writer's key counts (exact, see interim-writer.ts).

import type { DuplicatesPolicy } from './duplicates.ts'
import { IngestError } from './errors.ts'
import { QUARANTINE_REASONS, isInvalidReason, type QuarantineReason } from './reasons.ts'

export interface IngestReport {
  input_path: string
  input_size_bytes: number
  input_sha256: string
  input_compression: 'gzip' | 'none'
  /** Data rows, not counting the header or blank lines. */
  rows_read: number
  rows_kept: number
  rows_quarantined: number
  /** Rows that could not be read (wrong_field_count and bad_*), a subset of rows_quarantined. */
  invalid_rows: number
  by_reason: Record<QuarantineReason, number>
  /**
   * What was done with exact duplicate lines: ingest.duplicates (`setting`), what it resolved to
   * (`policy`) and why; `kept` counts the kept rows that equal an earlier row (0 when the policy
   * drops them: by_reason.duplicate counts those).
   */
  duplicates: DuplicatesPolicy & { kept: number }
  /** Distinct customer ids among kept rows. */
  customers: number
  /** Distinct order ids among kept rows. */
  orders: number
  /** Kept rows with a negative amount (returns and cancellations). */
  returns: number
  /** First and last kept timestamp, ISO 8601 UTC; null when nothing was kept. */
  date_range: { first: string | null; last: string | null }
  currency: string
  currency_exponent: number
  total_amount_minor: number
  /** total_amount_minor in major units, as an exact decimal string. */
  total_amount: string
  output_dir: string
  duration_ms: number
}

/** Minor units as an exact major-unit decimal: (-123, 2) -> "-1.23". */
export function formatMinor(minor: number, exponent: number): string {
  const sign = minor < 0 ? '-' : ''
  const digits = String(Math.abs(minor)).padStart(exponent + 1, '0')
  if (exponent === 0) return sign + digits
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`
}

export class ReportBuilder {
  rowsRead = 0
  rowsKept = 0
  invalidRows = 0
  /** Kept rows that equal an earlier row (only when duplicates are kept). */
  duplicatesKept = 0
  readonly byReason = Object.fromEntries(QUARANTINE_REASONS.map((r) => [r, 0])) as Record<
    QuarantineReason,
    number
  >
  private returns = 0
  private first = Number.POSITIVE_INFINITY
  private last = Number.NEGATIVE_INFINITY
  private totalMinor = 0

  /** Counts a kept row (the object is read, not held). */
  kept(row: { readonly timestamp: number; readonly amountMinor: number }): void {
    const { timestamp, amountMinor } = row
    this.rowsKept++
    if (amountMinor < 0) this.returns++
    if (timestamp < this.first) this.first = timestamp
    if (timestamp > this.last) this.last = timestamp
    // Both terms are safe integers, so the sum is exact unless it leaves the safe range.
    this.totalMinor += amountMinor
    if (!Number.isSafeInteger(this.totalMinor)) {
      throw new IngestError('the total amount exceeds 2^53 minor units and cannot be kept exactly')
    }
  }

  quarantined(reason: QuarantineReason): void {
    this.byReason[reason]++
    if (isInvalidReason(reason)) this.invalidRows++
  }

  build(input: {
    path: string
    sizeBytes: number
    sha256: string
    gzip: boolean
    currency: string
    currencyExponent: number
    outputDir: string
    durationMs: number
    duplicates: DuplicatesPolicy
    /** Distinct customer ids and non-null order ids among kept rows. */
    customers: number
    orders: number
  }): IngestReport {
    const kept = this.rowsKept > 0
    return {
      input_path: input.path,
      input_size_bytes: input.sizeBytes,
      input_sha256: input.sha256,
      input_compression: input.gzip ? 'gzip' : 'none',
      rows_read: this.rowsRead,
      rows_kept: this.rowsKept,
      rows_quarantined: this.rowsRead - this.rowsKept,
      invalid_rows: this.invalidRows,
      by_reason: { ...this.byReason },
      duplicates: { ...input.duplicates, kept: this.duplicatesKept },
      customers: input.customers,
      orders: input.orders,
      returns: this.returns,
      date_range: {
        first: kept ? new Date(this.first).toISOString() : null,
        last: kept ? new Date(this.last).toISOString() : null,
      },
      currency: input.currency,
      currency_exponent: input.currencyExponent,
      total_amount_minor: this.totalMinor,
      total_amount: formatMinor(this.totalMinor, input.currencyExponent),
      output_dir: input.outputDir,
      duration_ms: Math.round(input.durationMs),
    }
  }
}
