import erfcinv from '@stdlib/math-base-special-erfcinv'
import stdlibQuantile from '@stdlib/stats-base-dists-normal-quantile'
import { describe, expect, it } from 'vitest'
import { normalQuantile } from './normal-quantile.ts'

// stdlib as the oracle, where its arguments are exact: its normal quantile is
// sqrt(2) * erfinv(2p - 1), and 2p - 1 rounds below p = 0.25 (to -1, so -Infinity, below 2^-54);
// there -sqrt(2) * erfcinv(2p) is the same Boost fits with an exact argument.
const oracle = (p: number) => (p < 0.25 ? -Math.SQRT2 * erfcinv(2 * p) : stdlibQuantile(p, 0, 1))

const relDiff = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.abs(b))

/** The largest relative difference from the oracle over `ps`, and where. */
function worst(ps: Iterable<number>): { diff: number; p: number } {
  let w = { diff: 0, p: Number.NaN }
  for (const p of ps) {
    const diff = relDiff(normalQuantile(p), oracle(p))
    if (!(diff <= w.diff)) w = { diff, p }
  }
  return w
}

function* logGrid(from: number, to: number, step: number) {
  for (let e = from; e < to; e += step) yield 10 ** e
}

describe('normalQuantile (AS 241)', () => {
  it('agrees with stdlib to 1e-15 relative over (1e-200, 1 - 1e-16)', () => {
    // Lower tail by decades, the middle linearly, the upper tail as 1 - 10^e.
    const lower = worst(logGrid(-200, -0.6, 0.002))
    const middle = worst(Array.from({ length: 199_999 }, (_, i) => (i + 1) / 200_000))
    const upper = worst([...logGrid(-16, -0.6, 0.0005)].map((t) => 1 - t))
    for (const w of [lower, middle, upper]) expect(w.diff, `at p = ${w.p}`).toBeLessThan(1e-15)
  })

  it('stays accurate below 1e-200, where stdlib erfcinv drifts (7e-14 at 1e-300)', () => {
    // The root of log Phi(x) = log p for the double p, by mpmath (400 digits), rounded.
    const reference: [number, number][] = [
      [1e-300, -37.0470962993612],
      [1e-280, -35.78342139466302],
      [1e-260, -34.473530546165776],
      [1e-240, -33.11195190498638],
      [1e-220, -31.69204074177796],
    ]
    for (const [p, x] of reference) expect(relDiff(normalQuantile(p), x)).toBeLessThan(1e-15)
  })

  it('gives the published test values and is odd about 1/2', () => {
    // Wichura (1988), section 5 (-9.262340089798408 there: the same double).
    expect(normalQuantile(0.25)).toBeCloseTo(-0.6744897501960817, 15)
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167814, 14)
    expect(normalQuantile(1e-20)).toBeCloseTo(-9.262340089798409, 14)
    expect(normalQuantile(0.5)).toBe(0)
    for (const p of [1e-9, 0.01, 0.2, 0.3, 0.45]) {
      expect(normalQuantile(1 - p)).toBeCloseTo(-normalQuantile(p), 8)
    }
  })

  it('is -Infinity at 0, Infinity at 1 and NaN outside [0, 1]', () => {
    expect(normalQuantile(0)).toBe(-Infinity)
    expect(normalQuantile(1)).toBe(Infinity)
    for (const p of [-1e-300, 1 + 2 ** -52, Number.NaN]) expect(normalQuantile(p)).toBeNaN()
  })
})
