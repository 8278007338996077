// Gauss hypergeometric series 2F1(a, b; c; z) for 0 <= z < 1, summed with term ratios.

import { exp, log, log1p } from '../portable-math.ts'

/** More terms than this means z is too close to 1 for the series: fail rather than guess. */
const MAX_TERMS = 5_000_000
const RELATIVE_TOLERANCE = 1e-15
/** Terms are rescaled past this magnitude, so the sum is held as sum * exp(logScale). */
const RESCALE_AT = 1e280

export interface ScaledSum {
  readonly sum: number
  readonly logScale: number
}

/**
 * Sum over n >= 1 of t_n, with t_1 given and t_{n+1} = t_n (a+n)(b+n) z / ((c+n)(n+1)): the tail of
 * 2F1(a, b; c; z) when t_1 = a b z / c, and of related series (bgnbd.ts divides every term by b).
 * `total` is what the tail is added to (1 for 2F1), so the stopping rule is relative to the result.
 */
export function hypergeometricTail(
  a: number,
  b: number,
  c: number,
  z: number,
  t1: number,
  total = 0
): ScaledSum {
  checkArguments(a, b, c, z)
  if (t1 === 0 || z === 0) return { sum: 0, logScale: 0 }
  let term = t1
  let sum = t1
  // Neumaier compensation: near z = 1 the series runs to 1e5+ terms, and plain summation would
  // lose several digits to rounding.
  let lost = 0
  let base = total
  let logScale = 0
  for (let n = 1; n < MAX_TERMS; n++) {
    const ratio = (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z
    term *= ratio
    const next = sum + term
    lost += Math.abs(sum) >= Math.abs(term) ? sum - next + term : term - next + sum
    sum = next
    if (!Number.isFinite(sum)) break
    if (Math.abs(sum) > RESCALE_AT) {
      sum /= RESCALE_AT
      term /= RESCALE_AT
      lost /= RESCALE_AT
      base /= RESCALE_AT
      logScale += log(RESCALE_AT)
    }
    if (term === 0) return { sum: sum + lost, logScale }
    // Past the last sign change every later ratio is at most `bound`: each factor of either pairing,
    // (a+m)/(m+1) and (b+m)/(c+m), or (a+m)/(c+m) and (b+m)/(m+1), is monotone in m, so its
    // supremum is its value now or its limit 1. The remaining terms then sum to at most
    // |term| bound / (1 - bound). Both pairings: with a ~ c huge and b < 1 (a BG/NBD fit with
    // a ~ 0), only the second shows the series is already geometric.
    const m = n + 1
    if (a + m > 0 && b + m > 0 && c + m > 0) {
      const sup = (x: number) => Math.max(x, 1)
      const bound =
        z *
        Math.min(
          sup((a + m) / (m + 1)) * sup((b + m) / (c + m)),
          sup((a + m) / (c + m)) * sup((b + m) / (m + 1))
        )
      if (bound < 1) {
        const rest = (Math.abs(term) * bound) / (1 - bound)
        if (rest <= RELATIVE_TOLERANCE * Math.abs(sum + base)) return { sum: sum + lost, logScale }
      }
    }
  }
  throw new RangeError(
    `2F1(${a}, ${b}; ${c}; ${z}): the series did not converge ` +
      `(${Number.isFinite(sum) ? `more than ${MAX_TERMS} terms, z too close to 1` : 'overflow'})`
  )
}

/**
 * log 2F1(a, b; c; z) for a positive value. When c - a - b < 0 the terms of the series decay slowly
 * (or first grow a lot, for large a and b), so Euler's transformation
 * 2F1(a, b; c; z) = (1-z)^(c-a-b) 2F1(c-a, c-b; c; z) is summed instead, as `lifetimes` does when the
 * direct value overflows.
 */
export function logHyp2f1(a: number, b: number, c: number, z: number): number {
  checkArguments(a, b, c, z)
  const euler = c - a - b < 0
  const [p, q] = euler ? [c - a, c - b] : [a, b]
  const tail = hypergeometricTail(p, q, c, z, (p * q * z) / c, 1)
  const scale = exp(-tail.logScale)
  const value = scale + tail.sum // (1 + tail) / exp(logScale)
  if (!(value > 0)) {
    throw new RangeError(`2F1(${a}, ${b}; ${c}; ${z}) is not positive: no logarithm`)
  }
  return log(value) + tail.logScale + (euler ? (c - a - b) * log1p(-z) : 0)
}

/** 2F1(a, b; c; z) for 0 <= z < 1, c not 0, -1, -2, ...; throws when it overflows a double. */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  checkArguments(a, b, c, z)
  const euler = c - a - b < 0
  const [p, q] = euler ? [c - a, c - b] : [a, b]
  const tail = hypergeometricTail(p, q, c, z, (p * q * z) / c, 1)
  const series = (exp(-tail.logScale) + tail.sum) * exp(tail.logScale)
  const value = euler ? series * exp((c - a - b) * log1p(-z)) : series
  if (!Number.isFinite(value)) {
    throw new RangeError(`2F1(${a}, ${b}; ${c}; ${z}) overflows a double: use logHyp2f1`)
  }
  return value
}

function checkArguments(a: number, b: number, c: number, z: number): void {
  if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c)) {
    throw new RangeError(`2F1(${a}, ${b}; ${c}; z): parameters must be finite`)
  }
  if (c <= 0 && Number.isInteger(c)) {
    throw new RangeError(`2F1(a, b; ${c}; z): c must not be 0 or a negative integer`)
  }
  if (!(z >= 0 && z < 1)) throw new RangeError(`2F1(a, b; c; ${z}): z must be in [0, 1)`)
}
