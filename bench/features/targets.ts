// The benchmark's targets: on the real log fcv is at least 2x faster than pandas end to end; on
// ~10M synthetic rows fcv's peak RSS stays under 1 GB.

import { fmtMb, mb, type Target } from '../common.ts'
import type { InputFigures } from './figures.ts'
import type { Input } from './inputs.ts'

const TARGET_SPEEDUP = 2
const TARGET_RSS_MB = 1024
/** Below this the synthetic log is too small for the RSS target to mean anything. */
const TARGET_RSS_MIN_ROWS = 9_000_000

export function targetFor(input: Input, s: InputFigures): Target {
  if (input.kind === 'real') {
    return {
      target: `fcv >= ${TARGET_SPEEDUP}x faster than pandas end to end on the real log`,
      value: `${s.speedup.toFixed(2)}x (${s.fcvTotalS.toFixed(2)} s vs ${s.pandasTotalS.toFixed(2)} s)`,
      pass: s.speedup >= TARGET_SPEEDUP,
    }
  }
  const enough = input.rows >= TARGET_RSS_MIN_ROWS
  return {
    target: `fcv peak RSS < ${TARGET_RSS_MB} MB on ~10M rows`,
    value: `${fmtMb(s.fcvPeakKb)} MB on ${input.rows.toLocaleString('en')} rows`,
    pass: enough ? mb(s.fcvPeakKb) < TARGET_RSS_MB : null,
    ...(enough
      ? {}
      : {
          note: `not evaluated: the synthetic log has fewer than ${TARGET_RSS_MIN_ROWS.toLocaleString('en')} rows`,
        }),
  }
}
