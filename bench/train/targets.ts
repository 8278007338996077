// The benchmark's target: the whole pipeline, ingest through evaluate, under 60 s on the full
// development log with native TensorFlow. Headline figures: each backend's pipeline wall time and
// ZILN test metrics.

import { figure, notApplicable, target, type Figure, type TargetRecord } from '../targets.ts'
import type { BackendOutcome } from './figures.ts'

const TARGET_WALL_S = 60
const NAME = 'whole pipeline (ingest → evaluate), full log, native TensorFlow'

export function pipelineTarget(outcomes: readonly BackendOutcome[], quick: boolean): TargetRecord {
  const na = (why: string, value: number | null = null) =>
    notApplicable(NAME, 's', '<', TARGET_WALL_S, why, value)
  const native = outcomes.find((o) => o.backend === 'native')
  if (native === undefined) return na('native not run (--backend)')
  if (!native.available) return na(`native TensorFlow unavailable: ${native.reason}`)
  const wallS = Number(native.figures.total.wallS.toFixed(2))
  if (quick) return na('--quick runs the shipped sample log, not the full log', wallS)
  return target(NAME, wallS, 's', '<', TARGET_WALL_S)
}

/** When the full log is absent nothing runs; the target says why. */
export const logAbsentTarget = (file: string) =>
  notApplicable(NAME, 's', '<', TARGET_WALL_S, `the UCI log is absent (${file})`)

const round = (x: number | null | undefined, digits: number) =>
  x === null || x === undefined ? null : Number(x.toFixed(digits))

export function trainHeadline(outcomes: readonly BackendOutcome[]): Figure[] {
  return outcomes.flatMap((o) => {
    if (!o.available) return [figure(`${o.backend}: unavailable`, o.reason)]
    const f = o.figures
    const m = 'error' in f.ziln ? null : f.ziln
    return [
      figure(`${o.backend}: pipeline wall`, Number(f.total.wallS.toFixed(2)), 's'),
      figure(`${o.backend}: s/epoch`, Number(f.training.secondsPerEpoch.toFixed(3)), 's'),
      figure(`${o.backend}: ZILN test gini`, round(m?.gini, 4)),
      figure(`${o.backend}: ZILN test rmse`, round(m?.rmse, 1)),
    ]
  })
}
