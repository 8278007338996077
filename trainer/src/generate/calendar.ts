// The simulated time axis. Processes run in "business time": u = day index + fraction of that day's
// trading, so a Poisson process in u never lands at night; wall-clock minutes come from the intraday
// profile through a monotone map, which keeps the log in time order.

const DAY_MS = 86_400_000

/** Order volume by weekday, Sunday first (the real log: closed on Saturdays, quieter on Fridays). */
const WEEKDAY_FACTOR = [0.72, 0.98, 1.03, 0.95, 1.05, 0.8, 0.003]

/** Share of orders by hour of day, 07:00..20:59 (shape of the UCI retail log). */
const HOURLY_WEIGHT = [1, 12, 55, 75, 99, 125, 120, 111, 101, 70, 45, 14, 8, 2]
const FIRST_HOUR = 7

/**
 * Yearly curve: a Q4 peak in mid-November, `peak` above the base level (the default 1.1 makes it
 * about twice the base; a regime can make it stronger), and a February dip.
 */
export function seasonFactor(dayOfYear: number, peak = 1.1): number {
  const toPeak = circularDistance(dayOfYear, 318)
  const dip = circularDistance(dayOfYear, 40)
  return 1 + peak * Math.exp(-0.5 * (toPeak / 30) ** 2) - 0.2 * Math.exp(-0.5 * (dip / 25) ** 2)
}

function circularDistance(a: number, b: number): number {
  const d = Math.abs(a - b) % 365
  return Math.min(d, 365 - d)
}

/** Closed over Christmas, 24 Dec .. 3 Jan, as the retailer of the real log. */
function isClosed(date: Date): boolean {
  const m = date.getUTCMonth()
  const d = date.getUTCDate()
  return (m === 11 && d >= 24) || (m === 0 && d <= 3)
}

export function parseStartDate(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN
  if (!m || new Date(ms).toISOString().slice(0, 10) !== text) {
    throw new RangeError(`start "${text}" must be a date YYYY-MM-DD`)
  }
  return ms
}

/** Whole years by the calendar, a fractional rest as days. */
export function periodEnd(startMs: number, years: number): number {
  const whole = Math.floor(years)
  const s = new Date(startMs)
  const wholeEnd = Date.UTC(s.getUTCFullYear() + whole, s.getUTCMonth(), s.getUTCDate())
  return wholeEnd + Math.round((years - whole) * 365.25) * DAY_MS
}

export class Calendar {
  readonly days: number
  /** Relative order intensity per day, mean 1 over the period. */
  readonly dayFactor: Float64Array
  readonly maxDayFactor: number
  private readonly dayText: string[]
  private readonly minuteText: string[]
  private readonly hourCumulative: number[]
  private readonly hourWeightTotal: number

  /** `seasonPeak`: the height of the Q4 peak above the base level (seasonFactor). */
  constructor(startMs: number, years: number, seasonPeak?: number) {
    const endMs = periodEnd(startMs, years)
    this.days = Math.round((endMs - startMs) / DAY_MS)
    if (!(this.days >= 1)) throw new RangeError(`years ${years} gives an empty period`)
    this.dayFactor = new Float64Array(this.days)
    this.dayText = []
    let sum = 0
    for (let d = 0; d < this.days; d++) {
      const date = new Date(startMs + d * DAY_MS)
      const dayOfYear = (date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / DAY_MS
      const f = isClosed(date)
        ? 0
        : seasonFactor(dayOfYear, seasonPeak) * (WEEKDAY_FACTOR[date.getUTCDay()] as number)
      this.dayFactor[d] = f
      sum += f
      this.dayText.push(date.toISOString().slice(0, 10))
    }
    if (!(sum > 0)) throw new RangeError('the period has no trading day')
    let max = 0
    for (let d = 0; d < this.days; d++) {
      const f = ((this.dayFactor[d] as number) * this.days) / sum
      this.dayFactor[d] = f
      max = Math.max(max, f)
    }
    this.maxDayFactor = max
    this.minuteText = []
    for (let m = 0; m < 1440; m++) {
      const hh = String(Math.floor(m / 60)).padStart(2, '0')
      const mm = String(m % 60).padStart(2, '0')
      this.minuteText.push(`${hh}:${mm}:00`)
    }
    this.hourCumulative = [0]
    for (const w of HOURLY_WEIGHT) this.hourCumulative.push((this.hourCumulative.at(-1) ?? 0) + w)
    this.hourWeightTotal = this.hourCumulative.at(-1) ?? 1
  }

  factorAt(u: number): number {
    return this.dayFactor[Math.floor(u)] ?? 0
  }

  /**
   * The same time of day on the first regular trading day at or after u, for events that follow an
   * order (returns, guest orders): not on closed days, nor on the near-closed Saturdays.
   */
  nextOpen(u: number): number {
    let day = Math.floor(u)
    const frac = u - day
    while (day < this.days && (this.dayFactor[day] as number) < 0.05) day++
    return day + frac
  }

  /** Minute of the day for a business-time fraction: inverse CDF of the hourly profile. */
  minuteOfDay(fraction: number): number {
    const x = fraction * this.hourWeightTotal
    let h = 0
    while (h < HOURLY_WEIGHT.length - 1 && (this.hourCumulative[h + 1] as number) <= x) h++
    const within = (x - (this.hourCumulative[h] as number)) / (HOURLY_WEIGHT[h] as number)
    return (FIRST_HOUR + h) * 60 + Math.min(59, Math.floor(within * 60))
  }

  /** `YYYY-MM-DD HH:MM:SS`, the InvoiceDate format of the UCI log. */
  timestamp(u: number): string {
    const day = Math.floor(u)
    return `${this.dayText[day]} ${this.minuteText[this.minuteOfDay(u - day)]}`
  }

  dateText(day: number): string {
    return this.dayText[day] ?? ''
  }
}
