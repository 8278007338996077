// The summary printed after the runs: stage timings per backend, training epochs and ZILN test
// metrics, unavailable backends with their reasons, and the target's verdict.

import { textTable } from '../../trainer/src/io/text-table.ts'
import { targetLine, type TargetRecord } from '../targets.ts'
import type { BackendFigures, BackendOutcome, StageFigures } from './figures.ts'
import { STAGES } from './pipeline.ts'
import type { TrainInput } from './input.ts'

const fixed = (x: number | null, digits: number) =>
  x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits)

function stageRows(f: BackendFigures): string[][] {
  const row = (step: string, s: StageFigures) => [
    f.backend,
    step,
    fixed(s.wallS, 2),
    fixed(s.peakRssMb, 0),
    fixed(s.cpuS, 2),
  ]
  return [...STAGES.map((stage) => row(stage, f.stages[stage])), row('pipeline', f.total)]
}

function modelRow(f: BackendFigures): string[] {
  const t = f.training
  const m = 'error' in f.ziln ? null : f.ziln
  return [
    f.backend,
    String(t.epochs),
    String(t.bestEpoch),
    fixed(t.secondsPerEpoch, 3),
    fixed(m?.gini ?? null, 4),
    fixed(m?.rmse ?? null, 2),
    fixed(m?.sum_ratio ?? null, 4),
  ]
}

export function printSummary(
  input: TrainInput,
  outcomes: readonly BackendOutcome[],
  target: TargetRecord
): void {
  const ran = outcomes.flatMap((o) => (o.available ? [o.figures] : []))
  const out = (text: string) => process.stdout.write(text + '\n')
  out('')
  if (ran.length) {
    const rows = ran[0]?.rowsRead.toLocaleString('en')
    out(`input ${input.id} (${rows} rows)`)
    out(
      textTable(
        ['backend', 'stage', 'wall s', 'peak RSS MB', 'CPU s'],
        ran.flatMap(stageRows),
        'llrrr'
      )
    )
    out('')
    out(
      textTable(
        ['backend', 'epochs', 'best epoch', 's/epoch', 'ZILN gini', 'rmse', 'sum_ratio'],
        ran.map(modelRow),
        'lrrrrrr'
      )
    )
    out('')
    out(
      'wall s: spawn to exit of each child; pipeline: sum of the stages (peak RSS: largest stage).'
    )
    out("s/epoch: mean of the epochs' seconds in training.json; metrics on the test split.")
    for (const f of ran) {
      out(`${f.backend}: ${f.description ?? 'backend not reported'}`)
      if ('error' in f.ziln) out(`${f.backend}: ZILN not scored: ${f.ziln.error}`)
    }
  }
  for (const o of outcomes) if (!o.available) out(`${o.backend}: unavailable: ${o.reason}`)
  out('')
  out(targetLine(target))
}
