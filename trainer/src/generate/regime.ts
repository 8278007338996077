import { MODEL } from './customers.ts'

// Regimes: the kind of store the log comes from. The behavioural model (MODEL) is the same in all of
// them; a regime changes only when customers arrive, how long they stay, and how strong the season
// is, so the backtest can judge the model on stores unlike the one its defaults were tuned on.

export const REGIMES = ['steady', 'cohort', 'growth', 'shrinking'] as const
export type Regime = (typeof REGIMES)[number]

export interface RegimeParams {
  /**
   * Relative acquisition on day `day` of a period of `days` days, before the season: a birth's
   * chance on a day is this times the day's trading factor (Calendar.dayFactor).
   */
  acquisition(day: number, days: number): number
  /** Height of the mid-November peak of the season curve above its base level (seasonFactor). */
  seasonPeak: number
  /** beta of the dropout rate mu ~ Gamma(MODEL.dropoutShape, beta); smaller leaves sooner. */
  dropoutRate: number
  /**
   * Rise of every live customer's dropout hazard with calendar time: on day `day` of the period the
   * hazard is mu x (1 + churnRisePerYear x day / 365), so 0 keeps it constant and 2 triples it a
   * year into the period.
   */
  churnRisePerYear: number
}

/** The acquisition window of the cohort regime: the first quarter of the period. */
export const COHORT_DAYS = 91

/** Days over which the shrinking regime's acquisition halves. */
const SHRINKING_HALF_LIFE_DAYS = 120

export const REGIME_PARAMS: Readonly<Record<Regime, RegimeParams>> = {
  /**
   * The development log's shape, and the default: acquisition slowing down over the period (4:1
   * from the first day to the last) so the volume does not only ramp up from zero; a Q4 peak about
   * twice the base level; constant churn. The same seed writes the same bytes as before regimes.
   */
  steady: {
    acquisition: (day, days) => 1.6 - (1.2 * day) / days,
    seasonPeak: 1.1,
    dropoutRate: MODEL.dropoutRate,
    churnRisePerYear: 0,
  },
  /**
   * One acquisition cohort that decays: every customer is born (makes a first purchase) within the
   * first COHORT_DAYS (91) days, nobody later (a birth drawn on a near-closed Saturday opens on the
   * next trading day, as in every regime). Dropout is about twice as fast as steady's (beta 90:
   * mean rate 0.6 / 90 a day; P(alive a year after the first purchase) ~0.38 instead of ~0.54), so
   * the decay is plain over 1.5-2 years: year 2's spend is about half of year 1's.
   */
  cohort: {
    acquisition: (day) => (day < COHORT_DAYS ? 1 : 0),
    seasonPeak: 1.1,
    dropoutRate: 90,
    churnRisePerYear: 0,
  },
  /**
   * A growing store with strong Q4 peaks: acquisition rising linearly 1:8 from the first day to the
   * last, and a mid-November peak about four times the base level (seasonPeak 3 against steady's
   * 1.1), so the last year's spend is well above the first's (~3.4x on 2-3 year runs) and Q4
   * carries more of it (~62 % of a year's spend against steady's ~40 %).
   */
  growth: {
    acquisition: (day, days) => 0.25 + (1.75 * day) / days,
    seasonPeak: 3,
    dropoutRate: MODEL.dropoutRate,
    churnRisePerYear: 0,
  },
  /**
   * A shrinking store: acquisition falling off sharply, halving every SHRINKING_HALF_LIFE_DAYS (120)
   * days from the start (~88 % of the customers arrive in the first year), and churn rising (every
   * customer's dropout hazard 3x a year into the period, 5x two years in), so the spend declines
   * year over year (by about a third a year on 2-4 year runs).
   */
  shrinking: {
    acquisition: (day) => 0.5 ** (day / SHRINKING_HALF_LIFE_DAYS),
    seasonPeak: 1.1,
    dropoutRate: MODEL.dropoutRate,
    churnRisePerYear: 2,
  },
}

export function isRegime(name: string): name is Regime {
  return (REGIMES as readonly string[]).includes(name)
}
