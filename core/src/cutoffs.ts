import { addDays, formatDay, type Instant } from './time.ts'

// Cutoff semantics (DESIGN.md): features at t0 see only transactions with timestamp < t0; the label
// is net spend in [t0, t0 + horizon). Training cutoffs step back from the test cutoff and their label
// windows must end at or before it, so no training label overlaps the test period.

export type Split = 'train' | 'valid' | 'test'

export interface Cutoff {
  readonly t0: Instant
  readonly split: Split
}

export interface CutoffPlanOptions {
  readonly testCutoff: Instant
  readonly stepDays: number
  /** Number of training cutoffs; the latest of them is the validation split. */
  readonly count: number
  readonly horizonDays: number
}

/** Cutoffs in time order: `count` training cutoffs (the last one `valid`), then the test cutoff. */
export function planCutoffs(o: CutoffPlanOptions): Cutoff[] {
  const latestTrain = addDays(o.testCutoff, -o.horizonDays)
  const out: Cutoff[] = []
  for (let k = o.count - 1; k >= 0; k--) {
    out.push({ t0: addDays(latestTrain, -k * o.stepDays), split: k === 0 ? 'valid' : 'train' })
  }
  out.push({ t0: o.testCutoff, split: 'test' })
  return out
}

export function describeCutoffs(cutoffs: readonly Cutoff[], horizonDays: number): string[] {
  return cutoffs.map(
    (c) =>
      `${c.split.padEnd(5)} t0=${formatDay(c.t0)} label=[${formatDay(c.t0)}, ${formatDay(addDays(c.t0, horizonDays))})`
  )
}
