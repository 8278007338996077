// Wall-clock times in an IANA zone to UTC instants, using Intl (no tz database of our own). Asking Intl
// costs microseconds, so the offset is resolved once per local day and cached (per hour on the days
// that hold a transition): a log of millions of rows spans only hundreds or thousands of days.
//
// Gaps and overlaps are resolved like Temporal's and java.time's default ("compatible"): a time that
// falls in a spring-forward gap is read with the offset in force before the gap (so 01:30 on the day
// London skips 01:00-02:00 becomes 01:30 GMT = 02:30 BST), and a time that occurs twice when clocks go
// back is the earlier of the two instants (01:30 on London's fall-back day is 01:30 BST = 00:30 UTC).

const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000

/** Converts local calendar fields (month 1-12) in one zone to epoch milliseconds. */
export type WallClockToUtc = (
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number
) => number

/** Date.UTC without its quirk of reading years 0-99 as 1900-1999. */
export function utcFromFields(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number
): number {
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second, ms)
  const date = new Date(Date.UTC(2000, 0, 1, hour, minute, second, ms))
  date.setUTCFullYear(year, month - 1, day)
  return date.getTime()
}

function isUtc(timezone: string): boolean {
  return /^(UTC|Etc\/UTC|Etc\/GMT|GMT|Etc\/Zulu|Zulu|Etc\/Universal|Universal)$/i.test(timezone)
}

export function makeWallClockToUtc(timezone: string): WallClockToUtc {
  if (isUtc(timezone)) {
    return utcFromFields
  }
  const offsetAt = makeOffsetAt(timezone)
  const dayOffsets = new Map<number, number>() // NaN: the day holds a transition
  const hourOffsets = new Map<number, number>() // hours of transition days
  let lastDay = Number.NaN
  let lastOffset = 0

  /** The offset (local minus UTC, ms) that the compatible rule picks for a local time. */
  function resolve(local: number): number {
    const before = offsetAt(local - DAY_MS)
    const after = offsetAt(local + DAY_MS)
    const fitsBefore = offsetAt(local - before) === before
    // The same question when the offsets agree (nearly always): ask Intl once.
    const fitsAfter = after === before ? fitsBefore : offsetAt(local - after) === after
    if (fitsBefore && fitsAfter) return Math.max(before, after) // overlap: the earlier instant
    if (fitsBefore) return before
    if (fitsAfter) return after
    return before // gap: read with the offset in force before it
  }

  /** One offset for a whole span, or NaN when its two ends disagree (a transition inside). */
  function spanOffset(start: number, length: number): number {
    const first = resolve(start)
    return first === resolve(start + length - 1) ? first : Number.NaN
  }

  function offsetOnTransitionDay(local: number): number {
    const hour = Math.floor(local / HOUR_MS)
    let offset = hourOffsets.get(hour)
    if (offset === undefined) {
      offset = spanOffset(hour * HOUR_MS, HOUR_MS)
      hourOffsets.set(hour, offset)
    }
    // An hour whose ends disagree holds a transition at an odd minute: resolve each time.
    return Number.isNaN(offset) ? resolve(local) : offset
  }

  return (y, mo, d, h, mi, s, ms) => {
    const local = utcFromFields(y, mo, d, h, mi, s, ms)
    const day = Math.floor(local / DAY_MS)
    if (day === lastDay) return local - lastOffset
    let offset = dayOffsets.get(day)
    if (offset === undefined) {
      offset = spanOffset(day * DAY_MS, DAY_MS)
      dayOffsets.set(day, offset)
    }
    if (Number.isNaN(offset)) return local - offsetOnTransitionDay(local)
    lastDay = day
    lastOffset = offset
    return local - offset
  }
}

/**
 * Offset of the zone from UTC (local minus UTC, in ms) at an instant. Answers are remembered by the
 * whole second asked (the only input that matters): resolving adjacent days asks some instants
 * twice, and each answer costs a formatToParts call (several microseconds).
 */
function makeOffsetAt(timezone: string): (instant: number) => number {
  const ask = makeIntlOffsetAt(timezone)
  const known = new Map<number, number>()
  return (instant) => {
    const whole = Math.floor(instant / 1000) * 1000
    let offset = known.get(whole)
    if (offset === undefined) {
      offset = ask(whole)
      known.set(whole, offset)
    }
    return offset
  }
}

function makeIntlOffsetAt(timezone: string): (instant: number) => number {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    era: 'short',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  })
  return (instant) => {
    const whole = Math.floor(instant / 1000) * 1000
    let y = 0
    let mo = 0
    let d = 0
    let h = 0
    let mi = 0
    let s = 0
    let bc = false
    for (const part of format.formatToParts(whole)) {
      const v = Number(part.value)
      if (part.type === 'year') y = v
      else if (part.type === 'month') mo = v
      else if (part.type === 'day') d = v
      else if (part.type === 'hour') h = v
      else if (part.type === 'minute') mi = v
      else if (part.type === 'second') s = v
      else if (part.type === 'era') bc = part.value.startsWith('B')
    }
    const date = new Date(0)
    date.setUTCFullYear(bc ? 1 - y : y, mo - 1, d)
    date.setUTCHours(h, mi, s, 0)
    return date.getTime() - whole
  }
}
