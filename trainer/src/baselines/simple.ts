// The rules a careful analyst would use without a model, computed from the same feature rows the
// model sees (so they get exactly the same population and cutoffs). Each predicts the spend in the
// next `horizonDays`, floored at 0 (net spend can be negative after returns; a forecast cannot).

import type { FeatureTable } from '../features/read-table.ts'

export interface SimpleBaseline {
  name: string
  description: string
  predict(table: FeatureTable, horizonDays: number): Float64Array
}

function column(table: FeatureTable, name: string): Float64Array {
  const values = table.numeric[name]
  if (!values) throw new Error(`baselines: the feature table has no column "${name}"`)
  return values
}

function map(table: FeatureTable, f: (i: number) => number): Float64Array {
  const out = new Float64Array(table.rows)
  for (let i = 0; i < table.rows; i++) out[i] = Math.max(0, f(i))
  return out
}

export const SIMPLE_BASELINES: readonly SimpleBaseline[] = [
  {
    name: 'zero',
    description: 'predict 0 for everyone',
    predict: (table) => new Float64Array(table.rows),
  },
  {
    name: 'last_90d',
    description: 'the last 90 days repeat',
    predict: (table, horizon) => {
      const s = column(table, 'spend_90d')
      return map(table, (i) => ((s[i] as number) * horizon) / 90)
    },
  },
  {
    name: 'last_180d_half',
    description: 'half of the last 180 days',
    predict: (table, horizon) => {
      const s = column(table, 'spend_180d')
      return map(table, (i) => ((s[i] as number) * horizon) / 180)
    },
  },
  {
    name: 'total_rate',
    description: 'total spend x horizon / tenure (tenure at least one horizon)',
    predict: (table, horizon) => {
      const total = column(table, 'spend_total')
      const tenure = column(table, 'tenure_days')
      // A customer younger than the horizon is expected to repeat their spend once, not many times.
      return map(
        table,
        (i) => ((total[i] as number) * horizon) / Math.max(tenure[i] as number, horizon)
      )
    },
  },
]
