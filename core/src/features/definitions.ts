// What each feature of the spec means, in words, and the full spec that carries them: the trainer
// writes it next to the model (data/processed/schema.json) for people to read. Apart from spec.ts's
// names and kinds, so that the runtimes, which only compute features and check a model's spec
// against them (the edge, the widget's script), do not carry the prose.

import { FEATURE_COLUMNS, FEATURE_SPEC_VERSION, WINDOWS_DAYS } from './spec.ts'
import type { FeatureDef, FeatureSpec, FeatureSpecConfig } from './spec.ts'

export const SPEC_SCOPE_NOTE =
  'Only transactions strictly before the cutoff t0 count. Windows are half-open [t0 - N days, t0). ' +
  'A purchase is a line with a positive amount, a return one with a negative amount; an order is the ' +
  'lines sharing an order id (or, without order ids, a timestamp), and its value is their net sum.'

function windowed(prefix: string, what: string): [string, string][] {
  return [
    ...WINDOWS_DAYS.map((d): [string, string] => [
      `${prefix}_${d}d`,
      `${what} in the last ${d} days`,
    ]),
    [`${prefix}_total`, `${what} over the whole history`],
  ]
}

/** Each feature's definition by name (spec.ts's FEATURE_COLUMNS has their order and kinds). */
export function featureDefinitions(): ReadonlyMap<string, string> {
  return new Map([
    ...windowed('spend', 'net spend (purchases minus returns, major currency units)'),
    ...windowed('purchase_days', 'distinct UTC days with at least one purchase line'),
    ...windowed('orders', 'orders with a positive net value (by the time of their first line)'),
    ['recency_days', 'days from the last purchase line to t0, capped'],
    ['tenure_days', 'days from the first purchase line to t0, capped'],
    [
      'mean_gap_days',
      '(last purchase day - first purchase day) / (purchase days - 1); the cap when fewer than 2',
    ],
    ['mean_order_value', 'mean net value of orders with a positive value'],
    ['max_order_value', 'largest net value of an order'],
    ['first_order_value', 'net value of the first positive order'],
    ['returns_count', 'orders with a negative net value'],
    ['returned_value_ratio', 'returned value / purchased value, clipped to [0, 1]'],
    ['distinct_products', 'distinct product ids among purchase lines'],
    ['one_time_buyer', '1 when all purchases fall on one day, else 0'],
    [
      'btyd_value',
      'BG/NBD x Gamma-Gamma expected net spend over the horizon (major units), from the repeat-purchase ' +
        'summary at t0 and the parameters fitted on the population at the cutoff, which the model carries',
    ],
    [
      'country',
      'country of the latest line that names one ("" if none); top-k fitted at training, else "other"',
    ],
  ])
}

/** The spec this core computes, for `config`, with each feature's definition. */
export function defineFeatureSpec(config: FeatureSpecConfig): FeatureSpec {
  const definitions = featureDefinitions()
  const features: FeatureDef[] = FEATURE_COLUMNS.map((f) => ({
    ...f,
    definition: definitions.get(f.name)!, // definitions.test.ts: every column has one
  }))
  return { version: FEATURE_SPEC_VERSION, windowsDays: WINDOWS_DAYS, features, ...config }
}
