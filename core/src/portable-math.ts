// exp, log, log1p and expm1 computed with IEEE-754 arithmetic only (stdlib's ports of FreeBSD's
// msun), instead of Math.*. The spec leaves Math.exp and friends implementation-approximated, and
// V8 versions differ in the last bit: Node 22 and workerd gave btyd_value values one ulp apart for
// the same history (edge-worker/test/feature-parity.test.ts found it). Features are computed by
// the trainer (Node), the edge (workerd) and the widget (any browser) and must be bit-identical,
// so the functions features depend on come from here. + - * / and sqrt are exact everywhere.

import exp from '@stdlib/math-base-special-exp'
import expm1 from '@stdlib/math-base-special-expm1'
import log from '@stdlib/math-base-special-ln'
import log1p from '@stdlib/math-base-special-log1p'

export { exp, expm1, log, log1p }
