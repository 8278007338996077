// Instants are UTC epoch milliseconds. Windows are half-open [start, end): an event exactly at `end`
// belongs to the next window, so consecutive windows never count an event twice.

export const DAY_MS = 86_400_000

export type Instant = number

export interface Window {
  readonly start: Instant
  readonly end: Instant
}

export function inWindow(t: Instant, w: Window): boolean {
  return t >= w.start && t < w.end
}

export function addDays(t: Instant, days: number): Instant {
  return t + days * DAY_MS
}

/** Whole UTC days since the epoch; purchase-days are counted on this calendar. */
export function utcDay(t: Instant): number {
  return Math.floor(t / DAY_MS)
}

/** Parses `YYYY-MM-DD` (a date at 00:00 UTC) or a full ISO 8601 instant with an offset or Z. */
export function parseInstant(text: string): Instant {
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  const t = dateOnly
    ? Date.UTC(Number(dateOnly[1]), Number(dateOnly[2]) - 1, Number(dateOnly[3]))
    : /(Z|[+-]\d{2}:?\d{2})$/.test(text)
      ? Date.parse(text)
      : Number.NaN
  if (!Number.isFinite(t)) {
    throw new RangeError(`"${text}" is not a date (YYYY-MM-DD) or an ISO 8601 instant with a zone`)
  }
  if (dateOnly && new Date(t).toISOString().slice(0, 10) !== text) {
    throw new RangeError(`"${text}" is not a real calendar date`)
  }
  return t
}

export function formatDay(t: Instant): string {
  return new Date(t).toISOString().slice(0, 10)
}
