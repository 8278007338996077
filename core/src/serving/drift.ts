// The drift math: the training histograms' bounds (profileBounds), the population stability index
// of a live histogram against a training one (populationStabilityIndex), and merging a finer
// histogram onto coarser bounds (coarsen) so that histograms with different bounds can be compared.
// Histograms bucket as core's bucketOf: counts[i] holds bounds[i-1] < v <= bounds[i], the last
// count everything above the last bound. No zod here: it is arithmetic every runtime may load.

/**
 * The proportion a bucket that holds nothing counts as in the PSI: log(0) would make the index
 * infinite for one empty bucket. 1e-4 is the usual choice; with it an empty bucket against one
 * that holds a share p adds about p * ln(p / 1e-4) (p = 0.1: 0.69), so one bucket's worth of
 * values appearing where training had none still reads as a large shift, and an empty bucket on
 * both sides adds exactly 0.
 */
export const PSI_EPSILON = 1e-4

/** The most buckets a training profile's histogram has (profile bounds: at most 15). */
export const PROFILE_MAX_BINS = 16

export class DriftInputError extends RangeError {
  override name = 'DriftInputError'
}

function total(counts: readonly number[], side: string): number {
  let sum = 0
  counts.forEach((c, i) => {
    if (!(Number.isFinite(c) && c >= 0)) {
      throw new DriftInputError(`${side}[${i}] must be a finite count >= 0, is ${c}`)
    }
    sum += c
  })
  if (!(sum > 0)) throw new DriftInputError(`${side} is empty: nothing to compare`)
  return sum
}

/**
 * PSI = sum over buckets of (a - e) * ln(a / e), where e and a are the buckets' shares of the
 * expected (training) and actual (live) counts, each at least PSI_EPSILON. 0 for identical
 * distributions; by the usual reading below 0.1 is no shift, 0.1 to 0.2 a moderate one, above 0.2
 * a significant one. The counts must be on the same bounds (coarsen them first); a DriftInputError
 * when their lengths differ, a count is negative or not finite, or either side holds nothing.
 */
export function populationStabilityIndex(
  expected: readonly number[],
  actual: readonly number[]
): number {
  if (expected.length !== actual.length) {
    throw new DriftInputError(
      `expected and actual must have one count per bucket each: ${expected.length} and ${actual.length}`
    )
  }
  if (expected.length === 0) throw new DriftInputError('expected has no buckets')
  const e = total(expected, 'expected')
  const a = total(actual, 'actual')
  let psi = 0
  for (let i = 0; i < expected.length; i++) {
    const pe = Math.max(expected[i]! / e, PSI_EPSILON)
    const pa = Math.max(actual[i]! / a, PSI_EPSILON)
    psi += (pa - pe) * Math.log(pa / pe)
  }
  return psi
}

/**
 * `counts` on bounds `from` added up onto `to`; where that is not exact (a bound of `to` is not one
 * of `from`'s, or `to` does not increase) the index of the first such bound of `to`.
 */
function regroup(
  from: readonly number[],
  counts: readonly number[],
  to: readonly number[]
): number[] | number {
  const out = new Array<number>(to.length + 1).fill(0)
  let j = 0
  for (let i = 0; i < to.length; i++) {
    while (j < from.length && from[j]! < to[i]!) out[i]! += counts[j++]!
    if (from[j] !== to[i]) return i
    out[i]! += counts[j++]!
  }
  while (j < counts.length) out[to.length]! += counts[j++]!
  return out
}

/**
 * Counts on bounds `from` re-bucketed onto `to`, or null when that is not exact: exact iff every
 * bound of `to` is also a bound of `from` (finer buckets add up into coarser ones).
 */
export function rebucket(
  from: readonly number[],
  counts: readonly number[],
  to: readonly number[]
): number[] | null {
  const out = regroup(from, counts, to)
  return typeof out === 'number' ? null : out
}

/**
 * The histogram on `bounds`, a subset of its own: each of its buckets added into the coarser
 * bucket that holds it (exact, as every coarse bound is one of its bounds). Other fields (n, sum)
 * are kept: they do not depend on the bounds. A DriftInputError naming the first bound that is not
 * one of the histogram's.
 */
export function coarsen<H extends { bounds: readonly number[]; counts: readonly number[] }>(
  histogram: H,
  bounds: readonly number[]
): Omit<H, 'bounds' | 'counts'> & { bounds: number[]; counts: number[] } {
  const from = histogram.bounds
  const counts = histogram.counts
  if (counts.length !== from.length + 1) {
    throw new DriftInputError(
      `histogram.counts must have one more entry than its bounds (${from.length + 1}), has ${counts.length}`
    )
  }
  const out = regroup(from, counts, bounds)
  if (typeof out === 'number') {
    throw new DriftInputError(
      `bounds[${out}] (${bounds[out]}) is not one of the histogram's bounds (${from.join(', ')}) ` +
        'or the bounds do not increase: coarsen needs a subset of them'
    )
  }
  return { ...histogram, bounds: [...bounds], counts: out }
}

/**
 * Bucket bounds for a training feature: its quantiles at 1/bins, 2/bins, ... (bins - 1)/bins (the
 * smallest value with at least that share of the values at or below it), without repeats, so a
 * tie such as many zeros makes one bound and its bucket holds all of them. Strictly increasing; a
 * constant feature gives one bound, its value. Values that are not finite are left out (the live
 * histograms do not count them either). A DriftInputError when no value is finite, or bins is not
 * a whole number from 2 to PROFILE_MAX_BINS.
 */
export function profileBounds(values: ArrayLike<number>, bins = 10): number[] {
  if (!(Number.isInteger(bins) && bins >= 2 && bins <= PROFILE_MAX_BINS)) {
    throw new DriftInputError(
      `bins must be a whole number from 2 to ${PROFILE_MAX_BINS}, is ${bins}`
    )
  }
  const finite: number[] = []
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) finite.push(values[i]!)
  }
  const sorted = Float64Array.from(finite).sort()
  const n = sorted.length
  if (n === 0) throw new DriftInputError('values has no finite value to take bounds from')
  const bounds: number[] = []
  for (let k = 1; k < bins; k++) {
    const q = sorted[Math.max(0, Math.ceil((k * n) / bins) - 1)]!
    if (bounds.length === 0 || q > bounds[bounds.length - 1]!) bounds.push(q)
  }
  return bounds
}
