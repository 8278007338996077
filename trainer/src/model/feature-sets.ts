// The train/valid/test files `fcv features` wrote, read for training and evaluation, with the checks
// that make a wrong input fail clearly instead of training on it: the feature spec they were built
// with must be the one this fcv computes, every spec column must be there, labels must be finite and
// non-negative, and the training and validation sets must have rows.

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { FEATURE_SPEC_VERSION, type Split } from '@fcv/core'
import type { FeaturesReport } from '../features/index.ts'
import { readFeatureTable, type FeatureTable } from '../features/read-table.ts'

export class FeatureSetError extends Error {
  override name = 'FeatureSetError'
}

export type FeatureSets = Record<Split, FeatureTable> & { report: FeaturesReport }

/** The sets in `dir`; their recorded spec (report.feature_spec) is the one to train and score with. */
export async function readFeatureSets(dir: string): Promise<FeatureSets> {
  const schemaPath = join(dir, 'schema.json')
  let report: FeaturesReport
  try {
    report = JSON.parse(await readFile(schemaPath, 'utf8')) as FeaturesReport
  } catch (e) {
    throw new FeatureSetError(
      `${schemaPath}: cannot read the features' schema (${(e as Error).message}); run \`fcv features\` first`,
      { cause: e }
    )
  }
  const built = report.feature_spec?.version
  if (built !== FEATURE_SPEC_VERSION) {
    throw new FeatureSetError(
      `${dir} holds features of spec ${String(built)}, but this fcv computes ${FEATURE_SPEC_VERSION}: ` +
        'run `fcv features` again'
    )
  }
  const spec = report.feature_spec
  const sets = {} as Record<Split, FeatureTable>
  for (const split of ['train', 'valid', 'test'] as const) {
    const path = join(dir, `${split}.arrow`)
    const table = await readFeatureTable(path)
    for (const f of spec.features) {
      const has = f.kind === 'numeric' ? table.numeric[f.name] : table.categorical[f.name]
      if (!has) throw new FeatureSetError(`${path}: feature column "${f.name}" is missing`)
    }
    for (let i = 0; i < table.rows; i++) {
      const y = table.label[i] as number
      if (!(Number.isFinite(y) && y >= 0)) {
        throw new FeatureSetError(
          `${path}: row ${i} (customer ${table.customerIds[i]}): label ${y} is not a finite number >= 0`
        )
      }
    }
    sets[split] = table
  }
  if (sets.train.rows === 0) throw new FeatureSetError(`${dir}/train.arrow has no rows to train on`)
  if (sets.valid.rows === 0) {
    throw new FeatureSetError(
      `${dir}/valid.arrow has no rows: early stopping needs a validation set`
    )
  }
  return { ...sets, report }
}
