// The standard normal quantile (probit), by Wichura's Algorithm AS 241, PPND16 (Applied Statistics
// 37(3), 1988, 477-484): three rational fits of degree 7, in |p - 0.5| <= 0.425 and in
// r = sqrt(-log(min(p, 1 - p))) up to 5 and beyond, about 1e-16 relative. Written here rather than
// taken from stdlib (sqrt(2) erfinv(2p - 1), erfinv being Boost's five rational fits) because the
// widget's script-tag file measured 4.8 KB smaller minified (1.2 KB gzip) with it; stdlib's is the
// oracle of normal-quantile.test.ts. It also keeps the lower tail, where 2p - 1 rounds (p < 0.25)
// and stdlib's is -Infinity below 2^-54. The log is portable-math's: the same bits everywhere.

import { log } from '../portable-math.ts'

// a0..a7 and b0..b7 (b0 = 1) per region: the doubles the published 20 digits round to.
const CENTRAL = [
  [
    3.3871328727963665, 133.14166789178438, 1971.5909503065513, 13731.69376550946,
    45921.95393154987, 67265.7709270087, 33430.57558358813, 2509.0809287301227,
  ],
  [
    1, 42.31333070160091, 687.1870074920579, 5394.196021424751, 21213.794301586597,
    39307.89580009271, 28729.085735721943, 5226.495278852546,
  ],
] as const
const INTERMEDIATE = [
  [
    1.4234371107496835, 4.630337846156546, 5.769497221460691, 3.6478483247632045,
    1.2704582524523684, 0.2417807251774506, 0.022723844989269184, 0.0007745450142783414,
  ],
  [
    1, 2.053191626637759, 1.6763848301838038, 0.6897673349851, 0.14810397642748008,
    0.015198666563616457, 0.0005475938084995345, 1.0507500716444169e-9,
  ],
] as const
const TAIL = [
  [
    6.657904643501103, 5.463784911164114, 1.7848265399172913, 0.29656057182850487,
    0.026532189526576124, 0.0012426609473880784, 0.000027115555687434876, 2.0103343992922881e-7,
  ],
  [
    1, 0.599832206555888, 0.1369298809227358, 0.014875361290850615, 0.0007868691311456133,
    0.000018463183175100548, 1.421511758316446e-7, 2.0442631033899397e-15,
  ],
] as const

/** num(x) / den(x) by Horner's rule, highest degree first, as AS 241 evaluates them. */
function rational([num, den]: readonly [readonly number[], readonly number[]], x: number): number {
  let n = 0
  let d = 0
  for (let i = 7; i >= 0; i--) {
    n = n * x + num[i]!
    d = d * x + den[i]!
  }
  return n / d
}

/** The p-quantile of N(0, 1): -Infinity at 0, Infinity at 1, NaN outside [0, 1]. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN
  const q = p - 0.5
  if (Math.abs(q) <= 0.425) return q * rational(CENTRAL, 0.180625 - q * q)
  const r = Math.sqrt(-log(q < 0 ? p : 1 - p))
  const x = r <= 5 ? rational(INTERMEDIATE, r - 1.6) : rational(TAIL, r - 5)
  return q < 0 ? -x : x
}
