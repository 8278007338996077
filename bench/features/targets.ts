// The benchmark's targets: on the real log fcv is at least 2x faster than pandas end to end; on
// ~10M synthetic rows fcv's peak RSS stays under 1 GB; and fcv's outputs agree with pandas' on
// every input. A target whose input was not run is N/A with the reason. Headline figures: per input.

import { mb } from '../common.ts'
import { figure, notApplicable, target, type Figure, type TargetRecord } from '../targets.ts'
import type { InputFigures } from './figures.ts'
import type { Input } from './inputs.ts'

const TARGET_SPEEDUP = 2
const TARGET_RSS_MB = 1024
/** Below this the synthetic log is too small for the RSS target to mean anything. */
const TARGET_RSS_MIN_ROWS = 9_000_000

const SPEEDUP = 'fcv speedup over pandas, end to end, real log'
const RSS = 'fcv peak RSS on ~10M synthetic rows'

export interface InputOutcome {
  input: Input
  figures: InputFigures
  agree: boolean
}

const round = (x: number, d: number) => Number(x.toFixed(d))

export function featuresTargets(
  outcomes: readonly InputOutcome[],
  absent: { real: string; synthetic: string }
): TargetRecord[] {
  const real = outcomes.find((o) => o.input.kind === 'real')
  const synthetic = outcomes.find((o) => o.input.kind === 'synthetic')
  const out: TargetRecord[] = []
  if (real) {
    const s = real.figures
    out.push(
      target(
        SPEEDUP,
        round(s.speedup, 2),
        'x',
        '>=',
        TARGET_SPEEDUP,
        `${s.fcvTotalS.toFixed(2)} s vs ${s.pandasTotalS.toFixed(2)} s`
      )
    )
  } else out.push(notApplicable(SPEEDUP, 'x', '>=', TARGET_SPEEDUP, absent.real))
  if (synthetic) {
    const rssMb = Math.round(mb(synthetic.figures.fcvPeakKb))
    const rows = synthetic.input.rows
    out.push(
      rows >= TARGET_RSS_MIN_ROWS
        ? target(RSS, rssMb, 'MB', '<', TARGET_RSS_MB, `${rows.toLocaleString('en')} rows`)
        : notApplicable(
            RSS,
            'MB',
            '<',
            TARGET_RSS_MB,
            `${rows.toLocaleString('en')} rows: fewer than ${TARGET_RSS_MIN_ROWS.toLocaleString('en')}`,
            rssMb
          )
    )
  } else out.push(notApplicable(RSS, 'MB', '<', TARGET_RSS_MB, absent.synthetic))
  const differ = outcomes.filter((o) => !o.agree)
  out.push(
    target(
      'inputs where fcv and pandas outputs differ',
      differ.length,
      'inputs',
      '=',
      0,
      differ.length ? differ.map((o) => o.input.id).join(', ') : undefined
    )
  )
  return out
}

export function featuresHeadline(outcomes: readonly InputOutcome[]): Figure[] {
  return outcomes.flatMap(({ input, figures: s }) => [
    figure(`${input.id}: rows`, input.rows),
    figure(`${input.id}: fcv ingest + features`, round(s.fcvTotalS, 2), 's'),
    figure(`${input.id}: pandas`, round(s.pandasTotalS, 2), 's'),
    figure(`${input.id}: fcv peak RSS`, Math.round(mb(s.fcvPeakKb)), 'MB'),
  ])
}
