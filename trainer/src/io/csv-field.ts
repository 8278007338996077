// One CSV field as text, RFC 4180: the quarantine file, the synthetic log and the reports all write it.

const NEEDS_QUOTES = /[",\r\n]/

/** Quotes a field that holds a comma, quote or line break, doubling its quotes; else as it is. */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}
