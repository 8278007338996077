// `fcv features --merge-shards N`: the N shard directories `fcv features --shard i/N` wrote, merged
// into the output the unsharded run writes, byte for byte. Every shard fits btyd_value's BG/NBD x
// Gamma-Gamma on the whole population (index.ts reads every customer's summary whatever its shard),
// so the shards' fits agree and are checked to. What a shard cannot know is where its rows go among
// the others': the unsharded run writes customers pass by pass (passOf), each pass in the order the
// customers first appear in the interim log. The merge reads that order from the log (customer ids
// only, no rows kept) and interleaves the shards' rows by it, so it needs the same interim log the
// shards were built from, and memory for one map entry per customer.

import { open, readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { RecordBatchReader, type RecordBatch } from 'apache-arrow'
import { customerHash, formatDay, inShard, passOf, type Shard, type Split } from '@fcv/core'
import { readInterim } from '../interim/index.ts'
import { writeDirAtomically } from '../io/atomic-dir.ts'
import type { Params } from '../params/schema.ts'
import type { BtydCutoffFit } from './btyd-fits.ts'
import {
  planFeatures,
  shardDir,
  SPLITS,
  writeFeaturesReport,
  type FeaturesPlan,
  type FeaturesReport,
} from './index.ts'
import { featureTableSchema, SplitWriter } from './split-writer.ts'

export class ShardMergeError extends Error {
  override name = 'ShardMergeError'
}

export interface MergeOptions {
  readonly log?: (line: string) => void
}

/** Merges <out_dir>/shards/<i>-of-<count>/ for every i into <out_dir>, keeping the shards. */
export async function mergeFeatureShards(
  params: Params,
  count: number,
  options: MergeOptions = {}
): Promise<FeaturesReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'))
  if (!Number.isInteger(count) || count < 1) {
    throw new ShardMergeError(`--merge-shards must be a whole number of shards >= 1, got ${count}`)
  }
  const outDir = params.features.out_dir
  const plan = await planFeatures(params)
  const shards: LoadedShard[] = []
  for (let index = 0; index < count; index++) {
    shards.push(await loadShard(outDir, { index, count }))
  }
  const fits = checkConsistent(shards, plan, params.features.horizon_days)
  const order = await customerOrder(plan)

  return writeDirAtomically(
    outDir,
    async (tmp) => {
      const rows = new Map<Split, number>()
      const positives = new Map<Split, number>()
      const perCutoff = new Map<number, number>()
      for (const split of SPLITS) {
        const started = performance.now()
        const n = await mergeSplit(split, shards, plan, order, join(tmp, `${split}.arrow`), {
          positive: () => positives.set(split, (positives.get(split) ?? 0) + 1),
          cutoff: (t0) => perCutoff.set(t0, (perCutoff.get(t0) ?? 0) + 1),
        })
        rows.set(split, n)
        log(
          `features: merged ${split} from ${count} shards: ${n} rows in ` +
            `${((performance.now() - started) / 1000).toFixed(1)} s`
        )
      }
      return writeFeaturesReport(tmp, {
        plan,
        horizonDays: params.features.horizon_days,
        fits,
        rows: (s) => rows.get(s) ?? 0,
        positives: (s) => positives.get(s) ?? 0,
        perCutoff,
        customers: shards.reduce((sum, s) => sum + s.report.customers, 0),
        transactions: shards.reduce((sum, s) => sum + s.report.transactions, 0),
        shard: null,
        log,
      })
    },
    { carryOver: ['shards'] }
  )
}

interface LoadedShard {
  readonly shard: Shard
  readonly dir: string
  readonly name: string
  readonly report: FeaturesReport
}

async function loadShard(outDir: string, shard: Shard): Promise<LoadedShard> {
  const dir = shardDir(outDir, shard)
  const name = `shard ${shard.index}/${shard.count} (${dir})`
  const isDir = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false
  )
  if (!isDir) {
    const present = await readdir(join(outDir, 'shards')).catch(() => [] as string[])
    throw new ShardMergeError(
      `${name} is missing: run \`fcv features --shard ${shard.index}/${shard.count}\` first` +
        (present.length > 0 ? ` (shards present: ${present.sort().join(', ')})` : '')
    )
  }
  let report: FeaturesReport
  try {
    report = JSON.parse(await readFile(join(dir, 'schema.json'), 'utf8')) as FeaturesReport
  } catch (e) {
    throw new ShardMergeError(`${name}: schema.json cannot be read (${(e as Error).message})`)
  }
  if (report.shard?.index !== shard.index || report.shard.count !== shard.count) {
    throw new ShardMergeError(
      `${name}: schema.json says shard ${JSON.stringify(report.shard)}, not ${shard.index}/${shard.count}`
    )
  }
  for (const split of SPLITS) {
    if (!(await stat(join(dir, `${split}.arrow`)).catch(() => null))) {
      throw new ShardMergeError(`${name}: ${split}.arrow is missing`)
    }
  }
  return { shard, dir, name, report }
}

/**
 * The shards must be what this run's params and interim log would make: the same feature spec,
 * cutoffs, passes and currency, the same btyd_value fits (all on the whole population), and
 * together every transaction of the log. Returns the fits.
 */
function checkConsistent(
  shards: readonly LoadedShard[],
  plan: FeaturesPlan,
  horizonDays: number
): (BtydCutoffFit | null)[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)
  const expectedCutoffs = plan.cutoffs.map((c) => ({ t0: formatDay(c.t0), split: c.split }))
  const first = shards[0]!.report
  for (const { name, report } of shards) {
    if (!same(report.feature_spec, plan.spec)) {
      throw new ShardMergeError(
        `${name}: built with another feature spec than these params give (features.* or the ` +
          `log's currency changed since); rebuild the shards`
      )
    }
    const cutoffs = report.cutoffs.map((c) => ({ t0: c.t0, split: c.split }))
    if (!same(cutoffs, expectedCutoffs)) {
      throw new ShardMergeError(
        `${name}: built at cutoffs ${cutoffs.map((c) => c.t0).join(', ')}, but these params give ` +
          `${expectedCutoffs.map((c) => c.t0).join(', ')} (horizon ${horizonDays} days); rebuild the shards`
      )
    }
    if (report.passes !== plan.passes || report.currency !== plan.meta.currency) {
      throw new ShardMergeError(
        `${name}: built from another interim log or memory setting (passes ${report.passes}, ` +
          `currency ${report.currency}; expected ${plan.passes}, ${plan.meta.currency})`
      )
    }
    if (
      !same(
        report.cutoffs.map((c) => c.btyd),
        first.cutoffs.map((c) => c.btyd)
      )
    ) {
      throw new ShardMergeError(
        `${name}: its btyd_value fits differ from ${shards[0]!.name}'s, so the two were built ` +
          `from different logs; rebuild the shards`
      )
    }
  }
  const transactions = shards.reduce((sum, s) => sum + s.report.transactions, 0)
  if (transactions !== plan.meta.rows) {
    throw new ShardMergeError(
      `the shards hold ${transactions} transactions, the interim log ${plan.input} ` +
        `${plan.meta.rows}: they were built from another log; rebuild the shards`
    )
  }
  return first.cutoffs.map((c) => c.btyd)
}

/**
 * Each customer's place in the unsharded output, as a number that sorts the same way: the pass
 * (passOf), then the customer's first appearance in the log. `keep` is asked once per customer, in
 * the order they first appear, and keeping none reads no rows.
 */
async function customerOrder(plan: FeaturesPlan): Promise<Map<string, number>> {
  const order = new Map<string, number>()
  let seen = 0
  await readInterim(plan.input, {
    keep: (id) => {
      order.set(id, passOf(id, plan.passes) * 2 ** 32 + seen++)
      return false
    },
  })
  return order
}

/** One shard's split file, a row at a time in its order. */
class ShardCursor {
  readonly source: LoadedShard
  private readonly batches: AsyncIterator<RecordBatch>
  private readonly closeFile: () => Promise<void>
  private closed = false
  batch: RecordBatch | undefined
  row = 0
  /** The current row's place (customerOrder), Infinity once the file is read. */
  key = Infinity
  columns: ArrayLike<unknown>[] = []
  private lastId: string | undefined
  private lastKey = -1

  private constructor(
    source: LoadedShard,
    batches: AsyncIterator<RecordBatch>,
    close: () => Promise<void>
  ) {
    this.source = source
    this.batches = batches
    this.closeFile = close
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.closeFile().catch(() => {})
  }

  static async open(
    source: LoadedShard,
    split: Split,
    expected: ReturnType<typeof featureTableSchema>
  ): Promise<ShardCursor> {
    const path = join(source.dir, `${split}.arrow`)
    const handle = await open(path)
    try {
      const reader = await RecordBatchReader.from(handle)
      await reader.open()
      const fields = reader.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)
      const want = expected.fields.map((f) => `${f.name}: ${String(f.type)}`)
      if (fields.join(', ') !== want.join(', ')) {
        throw new ShardMergeError(
          `${source.name}: ${split}.arrow has columns (${fields.join(', ')}), not the spec's ` +
            `(${want.join(', ')})`
        )
      }
      return new ShardCursor(source, reader[Symbol.asyncIterator](), () => handle.close())
    } catch (e) {
      await handle.close().catch(() => {})
      throw e
    }
  }

  /** The next row (or the end), with its key; checks the row belongs to this shard, in order. */
  async advance(order: ReadonlyMap<string, number>, split: Split): Promise<void> {
    if (this.batch && ++this.row < this.batch.numRows) return this.keyRow(order, split)
    for (;;) {
      const next = await this.batches.next()
      if (next.done) {
        this.batch = undefined
        this.key = Infinity
        await this.close()
        return
      }
      if (next.value.numRows === 0) continue
      this.batch = next.value
      this.row = 0
      this.columns = this.batch.schema.fields.map((_, j) => this.batch!.getChildAt(j)!.toArray())
      return this.keyRow(order, split)
    }
  }

  private keyRow(order: ReadonlyMap<string, number>, split: Split): void {
    const id = this.columns[0]![this.row] as string
    if (id === this.lastId) return // a customer's rows at several cutoffs are adjacent
    const { name, shard } = this.source
    const key = order.get(id)
    if (key === undefined) {
      throw new ShardMergeError(
        `${name}: ${split}.arrow has customer ${id}, who is not in the interim log; rebuild the shards`
      )
    }
    if (!inShard(id, shard)) {
      throw new ShardMergeError(
        `${name}: ${split}.arrow has customer ${id}, who belongs to shard ` +
          `${customerHash(id) % shard.count}/${shard.count}`
      )
    }
    if (key <= this.lastKey) {
      throw new ShardMergeError(
        `${name}: ${split}.arrow is not in the order \`fcv features\` writes (customer ${id})`
      )
    }
    this.lastId = id
    this.lastKey = key
    this.key = key
  }
}

/** Merges one split of every shard into `path`; returns the rows written. */
async function mergeSplit(
  split: Split,
  shards: readonly LoadedShard[],
  plan: FeaturesPlan,
  order: ReadonlyMap<string, number>,
  path: string,
  count: { positive: () => void; cutoff: (t0: number) => void }
): Promise<number> {
  const schema = featureTableSchema(plan.spec)
  const cursors: ShardCursor[] = []
  try {
    for (const s of shards) cursors.push(await ShardCursor.open(s, split, schema))
    for (const c of cursors) await c.advance(order, split)
    const writer = new SplitWriter(path, plan.spec)
    const features = plan.spec.features.length
    for (;;) {
      // A handful of shards: a linear scan for the smallest key is cheaper than a heap.
      let next: ShardCursor | undefined
      for (const c of cursors) if (c.key < (next?.key ?? Infinity)) next = c
      if (!next) break
      const { columns, row } = next
      const vector = Array.from({ length: features }, (_, j) => columns[2 + j]![row] as number)
      const cutoff = Number(columns[1]![row] as bigint)
      const labelMinor = Number(columns[3 + features]![row] as bigint)
      writer.add(columns[0]![row] as string, cutoff, vector, labelMinor)
      if (labelMinor > 0) count.positive()
      count.cutoff(cutoff)
      await next.advance(order, split)
    }
    await writer.close()
    return writer.rows
  } finally {
    for (const c of cursors) await c.close()
  }
}
