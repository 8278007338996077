// Timestamp parsing for every format params.yaml accepts. Wall-clock formats are read in the log's
// IANA zone (see wall-clock.ts for how gaps and overlaps resolve); zoned ISO 8601 values and epoch
// numbers are instants already. Impossible dates (2011-02-30, month 13, hour 25) are rejected, never
// rolled over the way Date.UTC would.

import type { TIMESTAMP_FORMATS } from '../params/schema.ts'
import { makeWallClockToUtc, utcFromFields, type WallClockToUtc } from './wall-clock.ts'

export { makeWallClockToUtc, type WallClockToUtc } from './wall-clock.ts'

export type TimestampFormat = (typeof TIMESTAMP_FORMATS)[number]

/** Returns epoch milliseconds, or undefined when the text is not a valid time in the format. */
export type TimestampParser = (text: string) => number | undefined

/** What a value of each format looks like, for error messages. */
export const TIMESTAMP_EXAMPLES: Record<TimestampFormat, string> = {
  'YYYY-MM-DD HH:MM:SS': '2011-03-27 14:05:00',
  iso8601: '2011-03-27T14:05:00Z',
  YYYYMMDD: '20110327',
  'DD/MM/YYYY HH:MM': '27/03/2011 14:05',
  'MM/DD/YYYY HH:MM': '03/27/2011 14:05',
  epoch_s: '1301234700',
  epoch_ms: '1301234700000',
}

const MAX_EPOCH_MS = 8.64e15 // the range of Date

const YMD_HMS = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/
const SLASHED = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/
const EPOCH_S = /^[+-]?\d+(?:\.\d+)?$/
const EPOCH_MS = /^[+-]?\d+$/

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/** "5" -> 500, "05" -> 50, "0512" -> 51: the first three digits of a fraction of a second. */
function fractionMs(digits: string | undefined): number {
  if (digits === undefined) return 0
  return Number((digits + '00').slice(0, 3))
}

function valid(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) && h <= 23 && mi <= 59 && s <= 59
}

function num(text: string | undefined): number {
  return text === undefined ? 0 : Number(text)
}

function parseZoneOffsetMs(zone: string): number {
  if (zone === 'Z' || zone === 'z') return 0
  const sign = zone.charCodeAt(0) === 45 ? -1 : 1
  const digits = zone.slice(1).replace(':', '')
  const h = Number(digits.slice(0, 2))
  const m = digits.length > 2 ? Number(digits.slice(2, 4)) : 0
  if (h > 23 || m > 59) return Number.NaN
  return sign * (h * 60 + m) * 60_000
}

function epochParser(scale: 1000 | 1): TimestampParser {
  const pattern = scale === 1 ? EPOCH_MS : EPOCH_S
  return (text) => {
    if (!pattern.test(text)) return undefined
    const point = text.indexOf('.')
    let t: number
    if (point === -1) t = Number(text) * scale
    else {
      // Whole seconds and the fraction separately, so 1.001 s is exactly 1001 ms.
      const whole = Number(text.slice(0, point))
      const negative = text.charCodeAt(0) === 45
      const frac = fractionMs(text.slice(point + 1))
      t = whole * 1000 + (negative ? -frac : frac)
    }
    t += 0 // never -0 (from "-0")
    return Number.isSafeInteger(t) && Math.abs(t) <= MAX_EPOCH_MS ? t : undefined
  }
}

/** Groups 1-7 are year, month, day, hour, minute, second, fraction; `offset` is the zone's, in ms. */
function fromMatch(m: RegExpExecArray, toUtc: WallClockToUtc, offset: number): number | undefined {
  const [y, mo, d, h, mi, s] = [num(m[1]), num(m[2]), num(m[3]), num(m[4]), num(m[5]), num(m[6])]
  if (!valid(y, mo, d, h, mi, s)) return undefined
  return toUtc(y, mo, d, h, mi, s, fractionMs(m[7])) - offset
}

function buildParser(format: TimestampFormat, toUtc: WallClockToUtc): TimestampParser {
  switch (format) {
    case 'YYYY-MM-DD HH:MM:SS':
      return (text) => {
        const m = YMD_HMS.exec(text)
        return m ? fromMatch(m, toUtc, 0) : undefined
      }
    case 'iso8601':
      return (text) => {
        const m = ISO.exec(text)
        if (!m) return undefined
        const zone = m[8]
        if (zone === undefined) return fromMatch(m, toUtc, 0)
        const offset = parseZoneOffsetMs(zone)
        return Number.isNaN(offset) ? undefined : fromMatch(m, utcFromFields, offset)
      }
    case 'YYYYMMDD':
      return (text) => {
        const m = COMPACT_DATE.exec(text)
        if (!m) return undefined
        const [y, mo, d] = [num(m[1]), num(m[2]), num(m[3])]
        return valid(y, mo, d, 0, 0, 0) ? toUtc(y, mo, d, 0, 0, 0, 0) : undefined
      }
    case 'DD/MM/YYYY HH:MM':
    case 'MM/DD/YYYY HH:MM': {
      const dayFirst = format === 'DD/MM/YYYY HH:MM'
      return (text) => {
        const m = SLASHED.exec(text)
        if (!m) return undefined
        const a = num(m[1])
        const b = num(m[2])
        const [d, mo] = dayFirst ? [a, b] : [b, a]
        const [y, h, mi, s] = [num(m[3]), num(m[4]), num(m[5]), num(m[6])]
        return valid(y, mo, d, h, mi, s) ? toUtc(y, mo, d, h, mi, s, 0) : undefined
      }
    }
    case 'epoch_s':
      return epochParser(1000)
    case 'epoch_ms':
      return epochParser(1)
  }
}

/**
 * A parser for one format and zone. It remembers the last text it parsed, because consecutive lines
 * of a log (the lines of one order) usually carry the same timestamp. Pass `toUtc` to share one
 * zone conversion (and its cache of offsets) with a bytes parser.
 */
export function makeTimestampParser(
  format: TimestampFormat,
  timezone: string,
  toUtc: WallClockToUtc = makeWallClockToUtc(timezone)
): TimestampParser {
  const parse = buildParser(format, toUtc)
  let lastText: string | undefined
  let lastValue: number | undefined
  return (text) => {
    if (text === lastText) return lastValue
    const value = parse(text)
    lastText = text
    lastValue = value !== undefined && Math.abs(value) <= MAX_EPOCH_MS ? value : undefined
    return lastValue
  }
}

/** Reads epoch ms from the bytes [from, to); NaN means "not the simple case: parse the text". */
export type TimestampBytesParser = (bytes: Uint8Array, from: number, to: number) => number

function digit(bytes: Uint8Array, at: number): number {
  const d = (bytes[at] as number) - 48
  return d >= 0 && d <= 9 ? d : Number.NaN
}

/**
 * For the formats that read `YYYY-MM-DD HH:MM:SS` (or with a T) as wall-clock time, that exact shape
 * straight from ASCII bytes: the same fields, validation and conversion (`toUtc`, the text parser's)
 * as the text parser, without a regular expression or a string. Anything else (another shape, an
 * impossible date) returns NaN, for the text parser to decide. Null for the other formats.
 */
export function makeTimestampBytesParser(
  format: TimestampFormat,
  toUtc: WallClockToUtc
): TimestampBytesParser | null {
  if (format !== 'YYYY-MM-DD HH:MM:SS' && format !== 'iso8601') return null
  return (b, from, to) => {
    if (to - from !== 19) return Number.NaN
    const sep = b[from + 10]
    if (
      b[from + 4] !== 45 /* - */ ||
      b[from + 7] !== 45 ||
      (sep !== 32 /* space */ && sep !== 84) /* T */ ||
      b[from + 13] !== 58 /* : */ ||
      b[from + 16] !== 58
    ) {
      return Number.NaN
    }
    const y =
      digit(b, from) * 1000 +
      digit(b, from + 1) * 100 +
      digit(b, from + 2) * 10 +
      digit(b, from + 3)
    const mo = digit(b, from + 5) * 10 + digit(b, from + 6)
    const d = digit(b, from + 8) * 10 + digit(b, from + 9)
    const h = digit(b, from + 11) * 10 + digit(b, from + 12)
    const mi = digit(b, from + 14) * 10 + digit(b, from + 15)
    const s = digit(b, from + 17) * 10 + digit(b, from + 18)
    // A NaN field (not a digit) fails valid() too.
    if (!valid(y, mo, d, h, mi, s)) return Number.NaN
    const t = toUtc(y, mo, d, h, mi, s, 0)
    return Math.abs(t) <= MAX_EPOCH_MS ? t : Number.NaN
  }
}
