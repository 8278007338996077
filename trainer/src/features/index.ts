import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import {
  addDays,
  computeFeaturesAtCutoffs,
  describeCutoffs,
  defineFeatureSpec,
  formatDay,
  inShard,
  labelMinor,
  parseInstant,
  passOf,
  planCutoffs,
  rfmSummariesAtCutoffs,
  type BtydParams,
  type Cutoff,
  type RfmSummary,
  type FeatureSpec,
  type History,
  type Shard,
  type Split,
} from '@fcv/core'
import { readInterim, readInterimMeta, type InterimMeta } from '../interim/index.ts'
import { writeDirAtomically } from '../io/atomic-dir.ts'
import type { Params } from '../params/schema.ts'
import { fitForFeature, type BtydCutoffFit } from './btyd-fits.ts'
import { groupByCustomer, type CustomerGroups } from './customer-order.ts'
import { SplitWriter } from './split-writer.ts'

export interface FeaturesOptions {
  readonly shard?: Shard
  readonly log?: (line: string) => void
}

export interface SplitSummary {
  readonly file: string
  readonly rows: number
  readonly positive_share: number
}

export interface FeaturesReport {
  readonly feature_spec: FeatureSpec
  readonly cutoffs: {
    t0: string
    split: Split
    label_window: [string, string]
    rows: number
    /** The BG/NBD x Gamma-Gamma fit btyd_value was scored with at this cutoff. */
    btyd: BtydCutoffFit | null
  }[]
  readonly splits: Record<Split, SplitSummary>
  readonly customers: number
  readonly transactions: number
  readonly passes: number
  readonly shard: Shard | null
  readonly currency: string
}

export const SPLITS: readonly Split[] = ['train', 'valid', 'test']

/** What a features run is built on: the interim log, the spec, the cutoffs and the passes. */
export interface FeaturesPlan {
  readonly input: string
  readonly meta: InterimMeta
  readonly spec: FeatureSpec
  readonly cutoffs: readonly Cutoff[]
  readonly passes: number
}

export async function planFeatures(params: Params): Promise<FeaturesPlan> {
  const p = params.features
  // Features read what ingest wrote: one setting, so the two can never disagree.
  const input = join(params.ingest.out_dir, 'transactions.arrow')
  const meta = await readInterimMeta(input)
  const spec = defineFeatureSpec({
    horizonDays: p.horizon_days,
    capDays: p.cap_days,
    currencyExponent: meta.currencyExponent,
    countryTopK: p.country_top_k,
  })
  const cutoffs = planCutoffs({
    testCutoff: parseInstant(p.test_cutoff),
    stepDays: p.step_days,
    count: p.count,
    horizonDays: p.horizon_days,
  })
  const passes = Math.max(1, Math.ceil(meta.rows / p.max_rows_in_memory))
  return { input, meta, spec, cutoffs, passes }
}

/** Where `fcv features --shard i/n` writes: <out_dir>/shards/<i>-of-<n>. */
export function shardDir(outDir: string, shard: Shard): string {
  return join(outDir, 'shards', `${shard.index}-of-${shard.count}`)
}

/**
 * `fcv features`: one row per (customer, cutoff) for every customer with a purchase before the
 * cutoff. Memory is bounded by reading the interim log in passes over disjoint customer groups, so
 * it grows with customers (the output), not with transactions.
 */
export async function runFeatures(
  params: Params,
  options: FeaturesOptions = {}
): Promise<FeaturesReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'))
  const p = params.features
  const plan = await planFeatures(params)
  const { input, spec, cutoffs, passes } = plan
  for (const line of describeCutoffs(cutoffs, p.horizon_days)) log(`features: ${line}`)
  const shard = options.shard
  const outDir = shard ? shardDir(p.out_dir, shard) : p.out_dir
  await mkdir(dirname(outDir), { recursive: true })

  const t0s = cutoffs.map((c) => c.t0) // ascending (planCutoffs)
  const readPass = async (pass: number, shard: Shard | undefined) => {
    const filtered = shard !== undefined || passes > 1
    const cols = await readInterim(input, {
      keep: filtered
        ? (id) => (!shard || inShard(id, shard)) && (passes === 1 || passOf(id, passes) === pass)
        : undefined,
    })
    return { length: cols.length, groups: groupByCustomer(cols) }
  }

  // btyd_value's fits need every customer's summary at every cutoff, whatever this run's shard.
  const started = performance.now()
  const summaries: RfmSummary[][] = t0s.map(() => [])
  let kept: Awaited<ReturnType<typeof readPass>> | undefined
  for (let pass = 0; pass < passes; pass++) {
    const read = await readPass(pass, undefined)
    eachHistory(read.groups, (_, h) => {
      rfmSummariesAtCutoffs(h, t0s).forEach((s, k) => {
        if (s) summaries[k]!.push(s)
      })
    })
    if (passes === 1 && !shard) kept = read
  }
  const fits = cutoffs.map((c, k) => fitForFeature(summaries[k]!, formatDay(c.t0), p.horizon_days))
  const btydParams = fits.map((f) => f?.params ?? null)
  const penalised = cutoffs
    .filter((_, k) => (fits[k]?.penalizer ?? 0) > 0)
    .map((c) => formatDay(c.t0))
  log(
    `features: BG/NBD x Gamma-Gamma fitted at ${fits.length} cutoffs for btyd_value in ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s` +
      (penalised.length > 0 ? ` (penalised at ${penalised.join(', ')})` : '')
  )

  return writeDirAtomically(outDir, async (tmp) => {
    const writers = new Map(SPLITS.map((s) => [s, new SplitWriter(join(tmp, `${s}.arrow`), spec)]))
    const positives = new Map<Split, number>(SPLITS.map((s) => [s, 0]))
    const perCutoff = new Map<number, number>()
    let customers = 0
    let transactions = 0
    for (let pass = 0; pass < passes; pass++) {
      const started = performance.now()
      const read = kept ?? (await readPass(pass, shard))
      kept = undefined
      transactions += read.length
      const rows = emitRows(
        read.groups,
        cutoffs,
        spec,
        btydParams,
        (split, id, t0, vector, label) => {
          writers.get(split)!.add(id, t0, vector, label)
          if (label > 0) positives.set(split, positives.get(split)! + 1)
          perCutoff.set(t0, (perCutoff.get(t0) ?? 0) + 1)
        }
      )
      customers += rows.customers
      log(
        `features: pass ${pass + 1}/${passes}: ${read.length} transactions, ${rows.customers} customers, ` +
          `${rows.rows} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`
      )
    }
    for (const w of writers.values()) await w.close()
    return writeFeaturesReport(tmp, {
      plan,
      horizonDays: p.horizon_days,
      fits,
      rows: (s) => writers.get(s)!.rows,
      positives: (s) => positives.get(s)!,
      perCutoff,
      customers,
      transactions,
      shard: shard ?? null,
      log,
    })
  })
}

/** What schema.json is made of, however the rows were written (one run, or merged shards). */
export interface ReportInputs {
  readonly plan: FeaturesPlan
  readonly horizonDays: number
  readonly fits: readonly (BtydCutoffFit | null)[]
  readonly rows: (split: Split) => number
  readonly positives: (split: Split) => number
  /** Rows per cutoff instant. */
  readonly perCutoff: ReadonlyMap<number, number>
  readonly customers: number
  readonly transactions: number
  readonly shard: Shard | null
  readonly log: (line: string) => void
}

/** Writes `dir`/schema.json and logs each split's size: one code path, so merged output matches. */
export async function writeFeaturesReport(dir: string, r: ReportInputs): Promise<FeaturesReport> {
  const { plan, horizonDays, fits } = r
  const splits = Object.fromEntries(
    SPLITS.map((s) => {
      const rows = r.rows(s)
      return [s, { file: `${s}.arrow`, rows, positive_share: rows ? r.positives(s) / rows : 0 }]
    })
  ) as Record<Split, SplitSummary>
  const report: FeaturesReport = {
    feature_spec: plan.spec,
    cutoffs: plan.cutoffs.map((c, k) => ({
      t0: formatDay(c.t0),
      split: c.split,
      label_window: [formatDay(c.t0), formatDay(addDays(c.t0, horizonDays))],
      rows: r.perCutoff.get(c.t0) ?? 0,
      btyd: fits[k]!,
    })),
    splits,
    customers: r.customers,
    transactions: r.transactions,
    passes: plan.passes,
    shard: r.shard,
    currency: plan.meta.currency,
  }
  await writeFile(join(dir, 'schema.json'), JSON.stringify(report, null, 2) + '\n')
  for (const s of SPLITS) {
    r.log(
      `features: ${s}: ${splits[s].rows} rows, ${(splits[s].positive_share * 100).toFixed(1)}% with a purchase in the label window`
    )
  }
  return report
}

type Emit = (
  split: Split,
  customerId: string,
  t0: number,
  vector: (number | string)[],
  labelMinor: number
) => void

/** Each customer's history in `groups`, with rows. */
function eachHistory(groups: CustomerGroups, visit: (id: string, h: History) => void): void {
  const { offsets, history } = groups
  groups.customerIds.forEach((id, c) => {
    const start = offsets[c] as number
    const end = offsets[c + 1] as number
    if (start < end) visit(id, { ...history, start, end })
  })
}

function emitRows(
  groups: CustomerGroups,
  cutoffs: readonly Cutoff[],
  spec: FeatureSpec,
  btyd: readonly (BtydParams | null)[],
  emit: Emit
): { customers: number; rows: number } {
  let customers = 0
  let rows = 0
  const t0s = cutoffs.map((c) => c.t0) // ascending (planCutoffs)
  eachHistory(groups, (id, h) => {
    // All cutoffs in one pass over the customer's rows.
    const vectors = computeFeaturesAtCutoffs(h, t0s, spec, btyd)
    let any = false
    cutoffs.forEach((cut, k) => {
      const vector = vectors[k]
      if (!vector) return
      emit(cut.split, id, cut.t0, vector, labelMinor(h, cut.t0, spec.horizonDays))
      rows++
      any = true
    })
    if (any) customers++
  })
  return { customers, rows }
}
