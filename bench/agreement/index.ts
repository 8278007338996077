// Agreement check of one input's run between fcv and the pandas reference (the features
// benchmark's only entry into this folder):
//   ingest.ts        fcv's transactions.arrow vs pandas' (same cleaned lines?), per-rule drop counts
//   quarantine.ts    fcv's quarantine.csv vs pandas' (same rows dropped, for the same reasons?)
//   feature-rows.ts  fcv's train/valid/test vs pandas' (same rows, same values?), joined on
//                    customer + cutoff
//   core-check.ts    core/computeFeatures + labelMinor run here on each side's transactions vs that
//                    side's features: the single implementation of the spec as an arbiter when
//                    the two disagree
//   report.ts        the text printed after each input

import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parseInstant, planCutoffs, type BtydParams, type Cutoff, type Split } from '@fcv/core'
import type { Params } from '../../trainer/src/params/schema.ts'
import { log, runLayout } from '../common.ts'
import { coreFeatureRows } from './core-check.ts'
import {
  compareRows,
  emptyComparison,
  FITTED_REL_TOL,
  rowsFromArrow,
  type Comparison,
  type FeatureRows,
} from './feature-rows.ts'
import { cleaningCounts, compareTransactions, type IngestComparison } from './ingest.ts'
import { compareQuarantine } from './quarantine.ts'
import type { RowSetDifference } from './row-set.ts'
import { SPLITS, specFor } from './spec.ts'

export { printAgreement } from './report.ts'

export interface AgreementResult {
  ingest: IngestComparison
  quarantine: RowSetDifference
  cleaning: ReturnType<typeof cleaningCounts>
  fcvVsPandas: Comparison & { perSplit: Record<string, { fcv: number; pandas: number }> }
  schema: { fcv: Record<string, string[]>; pandas: Record<string, string[]> }
  coreVsPandas?: Comparison
  coreVsFcv?: Comparison
  agree: boolean
}

/** Compares the outputs in the input's run directory; `coreCheck` adds core as the arbiter. */
export function checkAgreement(
  input: { id: string; testCutoff: string },
  params: Params,
  coreCheck: boolean
): AgreementResult {
  const run = runLayout(input.id)
  const f = params.features
  const spec = specFor({
    horizonDays: f.horizon_days,
    capDays: f.cap_days,
    currencyExponent: params.data.currency_exponent,
  })
  log(`▶ agreement check [${input.id}]: ingest outputs`)
  const ingest = compareTransactions(
    path.join(run.fcvInterim, 'transactions.arrow'),
    path.join(run.pandas, 'transactions.arrow')
  )
  log(`▶ agreement check [${input.id}]: quarantined lines and reasons`)
  const quarantine = compareQuarantine(
    path.join(run.fcvInterim, 'quarantine.csv'),
    path.join(run.pandas, 'quarantine.csv'),
    params.data.delimiter
  )
  log(`▶ agreement check [${input.id}]: features (fcv vs pandas, joined on customer_id + cutoff)`)
  const fcvVsPandas = {
    ...emptyComparison(spec),
    perSplit: {} as Record<string, { fcv: number; pandas: number }>,
  }
  const schema = { fcv: {} as Record<string, string[]>, pandas: {} as Record<string, string[]> }
  const fcvRows = new Map<Split, FeatureRows>()
  const pandasRows = new Map<Split, FeatureRows>()
  for (const split of SPLITS) {
    const a = rowsFromArrow(path.join(run.fcvProcessed, `${split}.arrow`), spec)
    const b = rowsFromArrow(path.join(run.pandas, `${split}.arrow`), spec)
    schema.fcv[split] = a.schema
    schema.pandas[split] = b.schema
    fcvRows.set(split, a.rows)
    pandasRows.set(split, b.rows)
    compareRows(split, a.rows, b.rows, spec, fcvVsPandas, { btyd_value: FITTED_REL_TOL })
    fcvVsPandas.perSplit[split] = { fcv: a.rows.keys.length, pandas: b.rows.keys.length }
  }
  const readJson = (file: string) =>
    existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, never>) : null
  const cleaning = cleaningCounts(
    readJson(path.join(run.fcvInterim, 'ingest-report.json')),
    (readJson(run.pandasRusage)?.['clean'] ?? null) as Record<string, number> | null
  )
  const result: AgreementResult = {
    ingest,
    quarantine,
    cleaning,
    fcvVsPandas,
    schema,
    agree: false,
  }
  if (coreCheck) {
    const cutoffs: Cutoff[] = planCutoffs({
      testCutoff: parseInstant(input.testCutoff),
      stepDays: f.step_days,
      count: f.count,
      horizonDays: f.horizon_days,
    })
    // btyd_value is scored with the fits fcv's features stage made (fitting is not what is compared).
    const report = readJson(path.join(run.fcvProcessed, 'schema.json')) as {
      cutoffs?: { t0: string; btyd: { params: BtydParams } }[]
    } | null
    const btydFits = cutoffs.map((c) => {
      const fit = report?.cutoffs?.find((r) => parseInstant(r.t0) === c.t0)?.btyd.params
      if (!fit) throw new Error(`fcv's features report has no btyd_value fit for a cutoff`)
      return fit
    })
    for (const [side, rows, key] of [
      ['pandas', pandasRows, 'coreVsPandas'],
      ['fcv', fcvRows, 'coreVsFcv'],
    ] as const) {
      log(
        `▶ agreement check [${input.id}]: core computeFeatures on ${side}'s transactions vs ${side}'s features`
      )
      const core = coreFeatureRows(
        path.join(side === 'fcv' ? run.fcvInterim : run.pandas, 'transactions.arrow'),
        cutoffs,
        spec,
        btydFits
      )
      const cmp = emptyComparison(spec)
      // Core is scored with fcv's fits: against pandas's own fits, btyd_value meets at FITTED_REL_TOL.
      const tolerances = side === 'pandas' ? { btyd_value: FITTED_REL_TOL } : undefined
      for (const split of SPLITS) {
        compareRows(split, core.get(split)!, rows.get(split)!, spec, cmp, tolerances)
      }
      result[key] = cmp
    }
  }
  const clean = (c: Comparison | undefined) =>
    !c || (c.onlyA === 0 && c.onlyB === 0 && c.totalMismatches === 0)
  result.agree =
    clean(fcvVsPandas) &&
    clean(result.coreVsPandas) &&
    clean(result.coreVsFcv) &&
    Object.values(schema.fcv).every((s) => s.length === 0) &&
    ingest.onlyA === 0 &&
    ingest.onlyB === 0 &&
    quarantine.onlyA === 0 &&
    quarantine.onlyB === 0 &&
    ingest.customersDiffering === 0
  log(
    `✓ agreement check [${input.id}]: ${result.agree ? 'fcv and pandas agree' : 'DIFFERENCES (see below)'}`
  )
  return result
}
