// Sorting for the rank-based metrics: an index permutation by value, descending, with ties kept in
// index order. Large inputs use an LSD radix sort on the IEEE-754 bits (four 16-bit passes over
// Uint32Arrays, no comparator calls, no per-row objects); small ones use a comparator sort, which
// gives the identical permutation.

const RADIX_MIN = 512
const BUCKETS = 1 << 16

const f64 = new Float64Array(1)
const u32 = new Uint32Array(f64.buffer)
/** Word order of a float64 in memory: little-endian on every platform we run on, but do not assume. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1
const HI = LITTLE_ENDIAN ? 1 : 0
const LO = LITTLE_ENDIAN ? 0 : 1

/**
 * Indices 0..n-1 ordered by `values` descending; equal values keep ascending index order, so the
 * result never depends on the sort algorithm. -0 and +0 are equal. Values must not be NaN.
 */
export function orderDescending(values: ArrayLike<number>): Uint32Array {
  return values.length < RADIX_MIN ? comparatorOrder(values) : radixOrder(values)
}

/** The comparator sort (exported for the test that checks both paths agree). */
export function comparatorOrder(values: ArrayLike<number>): Uint32Array {
  const idx = new Uint32Array(values.length)
  for (let i = 0; i < idx.length; i++) idx[i] = i
  return idx.sort((a, b) => (values[b] as number) - (values[a] as number) || a - b)
}

/** The radix sort (exported for the test that checks both paths agree). */
export function radixOrder(values: ArrayLike<number>): Uint32Array {
  const n = values.length
  let hi = new Uint32Array(n)
  let lo = new Uint32Array(n)
  let idx = new Uint32Array(n)
  // Keys whose unsigned order is the descending numeric order: for a negative number the raw bits
  // (a larger magnitude has larger bits, and sorts later); for a non-negative one, all bits but the
  // sign flipped.
  for (let i = 0; i < n; i++) {
    f64[0] = (values[i] as number) + 0 // -0 + 0 is +0
    const h = u32[HI] as number
    const l = u32[LO] as number
    const negative = h >>> 31 === 1
    hi[i] = negative ? h : h ^ 0x7fffffff
    lo[i] = negative ? l : ~l
    idx[i] = i
  }
  // One read for all four digit histograms; a pass whose digit is the same everywhere is skipped.
  const counts = new Uint32Array(4 * BUCKETS)
  for (let i = 0; i < n; i++) {
    const h = hi[i] as number
    const l = lo[i] as number
    counts[l & 0xffff]! += 1
    counts[BUCKETS + (l >>> 16)]! += 1
    counts[2 * BUCKETS + (h & 0xffff)]! += 1
    counts[3 * BUCKETS + (h >>> 16)]! += 1
  }
  const passes: number[] = []
  for (let pass = 0; pass < 4; pass++) {
    const src = pass < 2 ? lo : hi
    const digit = ((src[0] as number) >>> ((pass & 1) * 16)) & 0xffff
    if (counts[pass * BUCKETS + digit] !== n) passes.push(pass)
  }
  let hi2 = new Uint32Array(n)
  let lo2 = new Uint32Array(n)
  let idx2 = new Uint32Array(n)
  for (let j = 0; j < passes.length; j++) {
    const pass = passes[j] as number
    const base = pass * BUCKETS
    const shift = (pass & 1) * 16
    const src = pass < 2 ? lo : hi
    // Carry a key word only while a later pass still reads it.
    const later = passes.slice(j + 1)
    const carryLo = later.some((p) => p < 2)
    const carryHi = later.some((p) => p >= 2)
    let sum = 0
    for (let b = base; b < base + BUCKETS; b++) {
      const c = counts[b] as number
      counts[b] = sum
      sum += c
    }
    for (let i = 0; i < n; i++) {
      const slot = base + (((src[i] as number) >>> shift) & 0xffff)
      const pos = counts[slot] as number
      counts[slot] = pos + 1
      idx2[pos] = idx[i] as number
      if (carryLo) lo2[pos] = lo[i] as number
      if (carryHi) hi2[pos] = hi[i] as number
    }
    ;[hi, hi2] = [hi2, hi]
    ;[lo, lo2] = [lo2, lo]
    ;[idx, idx2] = [idx2, idx]
  }
  return idx
}

/** A permutation by key descending, with everything the metrics read laid out in that order. */
export interface Sorted {
  /** Original indices by key descending; equal keys keep index order. */
  order: Uint32Array
  /** keys[order[k]]. */
  keys: Float64Array
  /** companion[order[k]]: the labels, read sequentially instead of gathered per metric. */
  values: Float64Array
  /** Start position of each run of equal keys, then n: group g is groups[g] .. groups[g+1]-1. */
  groups: Uint32Array
}

/** Sorts by `keys` descending and lays out `keys` and `companion` (default: keys) in that order. */
export function sortDescending(
  keys: ArrayLike<number>,
  companion: ArrayLike<number> = keys
): Sorted {
  const n = keys.length
  const order = orderDescending(keys)
  const sortedKeys = new Float64Array(n)
  for (let k = 0; k < n; k++) sortedKeys[k] = keys[order[k] as number] as number
  let values = sortedKeys
  if (companion !== keys) {
    values = new Float64Array(n)
    for (let k = 0; k < n; k++) values[k] = companion[order[k] as number] as number
  }
  const groups = new Uint32Array(n + 1)
  let g = 0
  for (let k = 0; k < n; k++) if (k === 0 || sortedKeys[k] !== sortedKeys[k - 1]) groups[g++] = k
  groups[g++] = n
  return { order, keys: sortedKeys, values, groups: groups.subarray(0, g) }
}

/**
 * Average ranks (1 = largest) by original index: a tie group at positions start..end-1 gets
 * (start + end + 1) / 2. Ranking descending instead of ascending maps r to n + 1 - r, which leaves
 * correlations unchanged.
 */
export function averageRanks(s: Sorted): Float64Array {
  const ranks = new Float64Array(s.order.length)
  const { order, groups } = s
  for (let g = 0; g + 1 < groups.length; g++) {
    const start = groups[g] as number
    const end = groups[g + 1] as number
    const r = (start + end + 1) / 2
    for (let k = start; k < end; k++) ranks[order[k] as number] = r
  }
  return ranks
}
