// The summary printed after all inputs: the timing table, how to read it, generation times,
// the targets' verdicts and the overall agreement verdict.

import { textTable } from '../../trainer/src/io/text-table.ts'
import { targetLine, type TargetRecord } from '../targets.ts'
import type { Input } from './inputs.ts'

export function printSummary(
  tableRows: string[][],
  inputs: readonly Input[],
  targets: readonly TargetRecord[],
  agreementOk: boolean
): void {
  process.stdout.write(
    '\n' +
      textTable(['input', 'rows', 'step', 'wall s', 'peak RSS MB', 'CPU s'], tableRows, 'lrlrrr') +
      '\n\n'
  )
  process.stdout.write(
    'wall s: spawn to exit of each child (median of the runs); the pandas phase rows are timed inside\n' +
      'the Python process (without interpreter start and imports). Peak RSS: max over the runs.\n'
  )
  for (const input of inputs) {
    if (input.generation) {
      const g = input.generation as { generateS?: number; cached?: boolean; date?: string }
      process.stdout.write(
        `${input.id}: generated in ${g.generateS} s (not counted${g.cached ? `; cached since ${g.date}` : ''})\n`
      )
    }
  }
  process.stdout.write('\n')
  for (const t of targets) process.stdout.write(targetLine(t) + '\n')
  process.stdout.write(
    `agreement ${agreementOk ? 'PASS' : 'FAIL'}  fcv vs pandas outputs (details above)\n`
  )
}
