// The benchmark's target: the whole pipeline, ingest through evaluate, under 60 s on the full
// development log with native TensorFlow.

import type { Target } from '../common.ts'
import type { BackendOutcome } from './figures.ts'

const TARGET_WALL_S = 60

export function pipelineTarget(outcomes: readonly BackendOutcome[], quick: boolean): Target {
  const target = `whole pipeline (ingest → evaluate) < ${TARGET_WALL_S} s on the full log with native TensorFlow`
  const native = outcomes.find((o) => o.backend === 'native')
  if (native === undefined) return { target, value: 'n/a', pass: null, note: 'native not run' }
  if (!native.available)
    return { target, value: 'n/a', pass: null, note: `native unavailable: ${native.reason}` }
  const wallS = native.figures.total.wallS
  const value = `${wallS.toFixed(2)} s`
  if (quick) return { target, value, pass: null, note: '--quick runs the sample log' }
  return { target, value, pass: wallS < TARGET_WALL_S }
}
