// The feature spec both sides implement, and the column contract of their split files.

import { defineFeatureSpec, type FeatureSpec, type Split } from '@fcv/core'
import type { Table } from 'apache-arrow'

export const SPLITS: readonly Split[] = ['train', 'valid', 'test']

export function specFor(o: {
  horizonDays: number
  capDays: number
  currencyExponent: number
}): FeatureSpec {
  return defineFeatureSpec({ ...o, countryTopK: 12 })
}

/** Numeric feature columns in spec order, then label: the columns compared within a tolerance. */
export function numericNames(spec: FeatureSpec): string[] {
  return [...spec.features.filter((f) => f.kind === 'numeric').map((f) => f.name), 'label']
}

/** Expected columns of a split file, in order, with their Arrow types as apache-arrow prints them. */
export function expectedColumns(spec: FeatureSpec): [string, string][] {
  return [
    ['customer_id', 'Utf8'],
    ['cutoff', 'Timestamp<MILLISECOND, UTC>'],
    ...spec.features.map((f): [string, string] => [
      f.name,
      f.kind === 'numeric' ? 'Float64' : 'Utf8',
    ]),
    ['label', 'Float64'],
    ['label_minor', 'Int64'],
  ]
}

/** Differences between a split file's schema and the contract (names, order, types). */
export function schemaIssues(t: Table, spec: FeatureSpec): string[] {
  const expected = expectedColumns(spec)
  const got = t.schema.fields.map((f) => [f.name, String(f.type)] as const)
  const issues: string[] = []
  const names = got.map(([n]) => n).join(',')
  if (names !== expected.map(([n]) => n).join(',')) issues.push(`columns are [${names}]`)
  for (const [name, type] of expected) {
    const f = got.find(([n]) => n === name)
    if (!f) issues.push(`missing ${name}`)
    else if (f[1] !== type && !(type === 'Utf8' && f[1] === 'LargeUtf8')) {
      issues.push(`${name} is ${f[1]}, expected ${type}`)
    }
  }
  return issues
}
