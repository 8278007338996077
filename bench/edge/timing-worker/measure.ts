// The timing loop the benchmark-only Worker runs inside workerd and the benchmark runs in Node as
// a cross-check: the same code, the same inputs. Each timed run sits between two I/O boundaries
// (a timer or a loopback fetch), and the clock is read just after each: in deployed Workers the
// clock only moves across I/O, so this is what makes the reading honest there too.

import type { HistoryItem, Scorer } from '@fcv/core'

/** A known amount of CPU work, for checking the clock against Node's. */
export function spin(iterations: number): number {
  let x = 0
  for (let i = 0; i < iterations; i++) x += Math.sqrt(i)
  return x
}

export interface TimingRequest {
  asOf: number
  items: HistoryItem[]
  warmup: number
  runs: number
}

export interface TimingResult {
  engine: string
  /** Milliseconds of each timed run, in order. */
  samples: number[]
  /** Milliseconds between the same two boundaries with nothing between them (what they add). */
  empty: number[]
  /** Sum of `expected` over the customers of the last run: both runtimes must agree. */
  expectedSum: number
  first: { customerId: string; expected: number; pBuy: number }
}

export async function timeScoring(
  scorer: Scorer,
  r: TimingRequest,
  clock: { now: () => number; boundary: () => Promise<unknown> }
): Promise<TimingResult> {
  for (let i = 0; i < r.warmup; i++) scorer.scoreHistories(r.items, r.asOf)
  const samples: number[] = []
  const empty: number[] = []
  let last = scorer.scoreHistories(r.items, r.asOf)
  for (let i = 0; i < r.runs; i++) {
    await clock.boundary()
    const t0 = clock.now()
    last = scorer.scoreHistories(r.items, r.asOf)
    await clock.boundary()
    samples.push(clock.now() - t0)
    const e0 = clock.now()
    await clock.boundary()
    empty.push(clock.now() - e0)
  }
  const p = last[0]!
  return {
    engine: scorer.kernel ? `${scorer.engine}, ${scorer.kernel} kernel` : scorer.engine,
    samples,
    empty,
    expectedSum: last.reduce((a, q) => a + q.expected, 0),
    first: { customerId: p.customerId, expected: p.expected, pBuy: p.pBuy },
  }
}
