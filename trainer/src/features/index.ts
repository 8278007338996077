import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import {
  addDays,
  computeFeaturesAtCutoffs,
  customerHash,
  describeCutoffs,
  featureSpecV1,
  formatDay,
  inShard,
  labelMinor,
  parseInstant,
  planCutoffs,
  type Cutoff,
  type FeatureSpec,
  type Shard,
  type Split,
} from '@fcv/core'
import { readInterim, readInterimMeta } from '../interim/index.ts'
import { writeDirAtomically } from '../io/atomic-dir.ts'
import type { Params } from '../params/schema.ts'
import { groupByCustomer } from './customer-order.ts'
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
  readonly cutoffs: { t0: string; split: Split; label_window: [string, string]; rows: number }[]
  readonly splits: Record<Split, SplitSummary>
  readonly customers: number
  readonly transactions: number
  readonly passes: number
  readonly shard: Shard | null
  readonly currency: string
}

const SPLITS: readonly Split[] = ['train', 'valid', 'test']

/** Customers are split over passes by the high bits of their hash (shards use the low bits). */
function passOf(customerId: string, passes: number): number {
  return Math.floor((customerHash(customerId) / 2 ** 32) * passes)
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
  // Features read what ingest wrote: one setting, so the two can never disagree.
  const input = join(params.ingest.out_dir, 'transactions.arrow')
  const meta = await readInterimMeta(input)
  const spec = featureSpecV1({
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
  for (const line of describeCutoffs(cutoffs, p.horizon_days)) log(`features: ${line}`)
  const passes = Math.max(1, Math.ceil(meta.rows / p.max_rows_in_memory))
  const shard = options.shard
  const outDir = shard ? join(p.out_dir, 'shards', `${shard.index}-of-${shard.count}`) : p.out_dir
  await mkdir(dirname(outDir), { recursive: true })

  return writeDirAtomically(outDir, async (tmp) => {
    const writers = new Map(SPLITS.map((s) => [s, new SplitWriter(join(tmp, `${s}.arrow`), spec)]))
    const positives = new Map<Split, number>(SPLITS.map((s) => [s, 0]))
    const perCutoff = new Map<number, number>()
    let customers = 0
    let transactions = 0
    for (let pass = 0; pass < passes; pass++) {
      const started = performance.now()
      const filtered = shard !== undefined || passes > 1
      const cols = await readInterim(input, {
        keep: filtered
          ? (id) => (!shard || inShard(id, shard)) && (passes === 1 || passOf(id, passes) === pass)
          : undefined,
      })
      const groups = groupByCustomer(cols)
      transactions += cols.length
      const rows = emitRows(groups, cutoffs, spec, (split, id, t0, vector, label) => {
        writers.get(split)!.add(id, t0, vector, label)
        if (label > 0) positives.set(split, positives.get(split)! + 1)
        perCutoff.set(t0, (perCutoff.get(t0) ?? 0) + 1)
      })
      customers += rows.customers
      log(
        `features: pass ${pass + 1}/${passes}: ${cols.length} transactions, ${rows.customers} customers, ` +
          `${rows.rows} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`
      )
    }
    for (const w of writers.values()) await w.close()
    const splits = Object.fromEntries(
      SPLITS.map((s) => {
        const rows = writers.get(s)!.rows
        return [
          s,
          { file: `${s}.arrow`, rows, positive_share: rows ? positives.get(s)! / rows : 0 },
        ]
      })
    ) as Record<Split, SplitSummary>
    const report: FeaturesReport = {
      feature_spec: spec,
      cutoffs: cutoffs.map((c) => ({
        t0: formatDay(c.t0),
        split: c.split,
        label_window: [formatDay(c.t0), formatDay(addDays(c.t0, p.horizon_days))],
        rows: perCutoff.get(c.t0) ?? 0,
      })),
      splits,
      customers,
      transactions,
      passes,
      shard: shard ?? null,
      currency: meta.currency,
    }
    await writeFile(join(tmp, 'schema.json'), JSON.stringify(report, null, 2) + '\n')
    for (const s of SPLITS) {
      log(
        `features: ${s}: ${splits[s].rows} rows, ${(splits[s].positive_share * 100).toFixed(1)}% with a purchase in the label window`
      )
    }
    return report
  })
}

type Emit = (
  split: Split,
  customerId: string,
  t0: number,
  vector: (number | string)[],
  labelMinor: number
) => void

function emitRows(
  groups: ReturnType<typeof groupByCustomer>,
  cutoffs: readonly Cutoff[],
  spec: FeatureSpec,
  emit: Emit
): { customers: number; rows: number } {
  let customers = 0
  let rows = 0
  const { offsets, history } = groups
  const t0s = cutoffs.map((c) => c.t0) // ascending (planCutoffs)
  groups.customerIds.forEach((id, c) => {
    const start = offsets[c] as number
    const end = offsets[c + 1] as number
    if (start === end) return
    const h = { ...history, start, end }
    // All cutoffs in one pass over the customer's rows.
    const vectors = computeFeaturesAtCutoffs(h, t0s, spec)
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
