import { describe, expect, it } from 'vitest'
import { EXAMPLE_BTYD_PARAMS } from '../btyd/example-params.ts'
import { computeFeatures } from './compute.ts'
import { defineFeatureSpec, featureDefinitions } from './definitions.ts'
import { historyFromTransactions } from './history.ts'
import { FEATURE_COLUMNS, FEATURE_SPEC_VERSION, WINDOWS_DAYS } from './spec.ts'

const config = { horizonDays: 90, capDays: 365, currencyExponent: 2, countryTopK: 10 }

describe('feature definitions', () => {
  it('define every feature of the spec, and nothing else', () => {
    const definitions = featureDefinitions()
    expect([...definitions.keys()].sort()).toEqual(FEATURE_COLUMNS.map((f) => f.name).sort())
    for (const text of definitions.values()) expect(text.length).toBeGreaterThan(20)
  })

  it('go into defineFeatureSpec, in spec order with the kinds the runtimes check', () => {
    const spec = defineFeatureSpec(config)
    expect(spec).toMatchObject({
      version: FEATURE_SPEC_VERSION,
      windowsDays: WINDOWS_DAYS,
      ...config,
    })
    expect(spec.features.map(({ name, kind }) => ({ name, kind }))).toEqual(FEATURE_COLUMNS)
    expect(spec.features.find((f) => f.name === 'spend_90d')?.definition).toBe(
      'net spend (purchases minus returns, major currency units) in the last 90 days'
    )
    expect(spec.features.find((f) => f.name === 'orders_total')?.definition).toBe(
      'orders with a positive net value (by the time of their first line) over the whole history'
    )
  })

  it('name as many values as computeFeatures returns, categorical ones as strings', () => {
    const t0 = Date.UTC(2011, 5, 12)
    const history = historyFromTransactions([
      { customerId: 'c', timestamp: t0 - 40 * 86_400_000, amountMinor: 1250, country: 'France' },
    ])
    const vector = computeFeatures(history, t0, defineFeatureSpec(config), EXAMPLE_BTYD_PARAMS)
    expect(vector).toHaveLength(FEATURE_COLUMNS.length)
    FEATURE_COLUMNS.forEach((f, i) =>
      expect(typeof vector![i], f.name).toBe(f.kind === 'categorical' ? 'string' : 'number')
    )
  })
})
