// Feature spec v2: the ordered list of features every runtime computes with computeFeatures(), by
// name and kind. What each one means is in definitions.ts, as data the trainer writes next to the
// model (data/processed/schema.json); the runtimes need only this file.

export const FEATURE_SPEC_VERSION = 'v2'

export type FeatureKind = 'numeric' | 'categorical'

/** A feature as the runtimes know it. */
export interface FeatureColumn {
  readonly name: string
  readonly kind: FeatureKind
}

/** A feature with its definition, as the trainer writes the spec (definitions.ts). */
export interface FeatureDef extends FeatureColumn {
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

function windowed(prefix: string): FeatureColumn[] {
  return [...WINDOWS_DAYS.map((d) => `${prefix}_${d}d`), `${prefix}_total`].map(numeric)
}

function numeric(name: string): FeatureColumn {
  return { name, kind: 'numeric' }
}

/**
 * The features in spec order with their kinds: what computeFeatures returns and a model's spec is
 * checked against. Their definitions are in definitions.ts (defineFeatureSpec).
 */
export const FEATURE_COLUMNS: readonly FeatureColumn[] = [
  ...windowed('spend'),
  ...windowed('purchase_days'),
  ...windowed('orders'),
  ...[
    'recency_days',
    'tenure_days',
    'mean_gap_days',
    'mean_order_value',
    'max_order_value',
    'first_order_value',
    'returns_count',
    'returned_value_ratio',
    'distinct_products',
    'one_time_buyer',
    'btyd_value',
  ].map(numeric),
  { name: 'country', kind: 'categorical' },
]
