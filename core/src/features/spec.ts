// Feature spec v2: the ordered list of features every runtime computes with computeFeatures().
// Definitions live here as data so the trainer can write them next to the model and people can read
// them in data/processed/schema.json.

export const FEATURE_SPEC_VERSION = 'v2'

export type FeatureKind = 'numeric' | 'categorical'

export interface FeatureDef {
  readonly name: string
  readonly kind: FeatureKind
  readonly definition: string
}

export interface FeatureSpecConfig {
  /** Label horizon: the label is net spend in [t0, t0 + horizonDays days). */
  readonly horizonDays: number
  /** Recency, tenure and mean gap are capped at this many days. */
  readonly capDays: number
  /** Minor units per major unit is 10^currencyExponent; money features are in major units. */
  readonly currencyExponent: number
  /** Countries kept as categories when the encoding is fitted; the rest become "other". */
  readonly countryTopK: number
}

export interface FeatureSpec extends FeatureSpecConfig {
  readonly version: string
  readonly windowsDays: readonly number[]
  readonly features: readonly FeatureDef[]
}

export const WINDOWS_DAYS = [30, 90, 180, 365] as const

const SCOPE =
  'Only transactions strictly before the cutoff t0 count. Windows are half-open [t0 - N days, t0). ' +
  'A purchase is a line with a positive amount, a return one with a negative amount; an order is the ' +
  'lines sharing an order id (or, without order ids, a timestamp), and its value is their net sum.'

function windowed(prefix: string, what: string): FeatureDef[] {
  return [
    ...WINDOWS_DAYS.map((d) => ({
      name: `${prefix}_${d}d`,
      kind: 'numeric' as const,
      definition: `${what} in the last ${d} days`,
    })),
    { name: `${prefix}_total`, kind: 'numeric', definition: `${what} over the whole history` },
  ]
}

const FEATURES: readonly FeatureDef[] = [
  ...windowed('spend', 'net spend (purchases minus returns, major currency units)'),
  ...windowed('purchase_days', 'distinct UTC days with at least one purchase line'),
  ...windowed('orders', 'orders with a positive net value (by the time of their first line)'),
  {
    name: 'recency_days',
    kind: 'numeric',
    definition: 'days from the last purchase line to t0, capped',
  },
  {
    name: 'tenure_days',
    kind: 'numeric',
    definition: 'days from the first purchase line to t0, capped',
  },
  {
    name: 'mean_gap_days',
    kind: 'numeric',
    definition:
      '(last purchase day - first purchase day) / (purchase days - 1); the cap when fewer than 2',
  },
  {
    name: 'mean_order_value',
    kind: 'numeric',
    definition: 'mean net value of orders with a positive value',
  },
  { name: 'max_order_value', kind: 'numeric', definition: 'largest net value of an order' },
  {
    name: 'first_order_value',
    kind: 'numeric',
    definition: 'net value of the first positive order',
  },
  { name: 'returns_count', kind: 'numeric', definition: 'orders with a negative net value' },
  {
    name: 'returned_value_ratio',
    kind: 'numeric',
    definition: 'returned value / purchased value, clipped to [0, 1]',
  },
  {
    name: 'distinct_products',
    kind: 'numeric',
    definition: 'distinct product ids among purchase lines',
  },
  {
    name: 'one_time_buyer',
    kind: 'numeric',
    definition: '1 when all purchases fall on one day, else 0',
  },
  {
    name: 'btyd_value',
    kind: 'numeric',
    definition:
      'BG/NBD x Gamma-Gamma expected net spend over the horizon (major units), from the repeat-purchase ' +
      'summary at t0 and the parameters fitted on the population at the cutoff, which the model carries',
  },
  {
    name: 'country',
    kind: 'categorical',
    definition:
      'country of the latest line that names one ("" if none); top-k fitted at training, else "other"',
  },
]

export function defineFeatureSpec(config: FeatureSpecConfig): FeatureSpec {
  return { version: FEATURE_SPEC_VERSION, windowsDays: WINDOWS_DAYS, features: FEATURES, ...config }
}

export const SPEC_SCOPE_NOTE = SCOPE
