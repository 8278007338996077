// bench/SUMMARY.md from bench/results.json: the suite run's machine and, per benchmark, its headline
// figures and every target with the measured value, the threshold and PASS, FAIL or N/A (why).
// A pure function of the results object, so it is tested on a given one.

import type { Machine } from './machine.ts'
import { thresholdText, verdict, withUnit, type Figure, type TargetRecord } from './targets.ts'

/** One benchmark of a suite run, as the suite records it under "suite" / "suite:quick". */
export interface SuiteBenchmark {
  name: string
  /** Its results.json key: the name, with ":quick" for a quick variant. */
  key: string
  status: 'ok' | 'error'
  seconds: number
  /** Why it errored: the exception's message, or the tail of its output. */
  error?: string
  /** Why its first attempt errored, when the second one ran (the suite retries an error once). */
  firstAttemptError?: string
}

export interface SuiteRun {
  quick: boolean
  command: string
  machine: Machine
  seconds: number
  benchmarks: SuiteBenchmark[]
}

export const suiteKey = (quick: boolean) => (quick ? 'suite:quick' : 'suite')

/** Markdown table cells hold no pipes or line breaks. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ')

function table(head: string[], rows: string[][]): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ]
}

function machineSection(m: Machine): string[] {
  const or = (x: string | null, none: string) => x ?? none
  const commit =
    m.gitCommit === null
      ? 'unknown'
      : `${m.gitCommit}${m.gitDirty === null ? '' : m.gitDirty ? ' (uncommitted changes)' : ' (clean tree)'}`
  return table(
    ['', ''],
    [
      ['CPU', `${m.cpuModel}, ${m.cores} cores`],
      ['Memory', `${Math.round(m.memoryMb / 1024)} GiB (${m.memoryMb.toLocaleString('en')} MiB)`],
      ['OS', m.os],
      ['Kernel', m.kernel],
      ['Node', m.node],
      ['TensorFlow', m.tensorflow],
      ['Chromium', or(m.chromium, 'not found')],
      ['PostgreSQL', or(m.postgres, 'not found')],
      ['Date', m.date],
      ['Commit', commit],
    ]
  )
}

function targetsOf(entry: Record<string, unknown> | undefined): TargetRecord[] {
  const t = entry?.['targets']
  return Array.isArray(t) ? (t as TargetRecord[]) : []
}

function figuresOf(entry: Record<string, unknown> | undefined): Figure[] {
  const f = entry?.['headline']
  return Array.isArray(f) ? (f as Figure[]) : []
}

function counts(targets: readonly TargetRecord[]): string {
  if (targets.length === 0) return 'none set'
  const n = (p: boolean | null) => targets.filter((t) => t.passed === p).length
  const parts = [`${n(true)} pass`, `${n(false)} fail`]
  if (n(null)) parts.push(`${n(null)} N/A`)
  return parts.join(', ')
}

function benchmarkSection(b: SuiteBenchmark, entry: Record<string, unknown> | undefined): string[] {
  const out = [`## ${b.key}`, '']
  if (b.firstAttemptError) {
    out.push(
      'Its first attempt errored (the suite tries again once):',
      '',
      '```',
      b.firstAttemptError,
      '```',
      ''
    )
  }
  if (b.status === 'error') {
    out.push(`**Errored** after ${b.seconds.toFixed(0)} s:`, '', '```', b.error ?? '', '```', '')
    return out
  }
  if (typeof entry?.['skipped'] === 'string') out.push(`Skipped: ${entry['skipped']}.`, '')
  const figures = figuresOf(entry)
  if (figures.length) {
    out.push(
      ...table(
        ['figure', 'value'],
        figures.map((f) => [f.name, withUnit(f.value, f.unit)])
      )
    )
    out.push('')
  }
  const targets = targetsOf(entry)
  if (targets.length === 0) out.push('No target is set for this benchmark: figures only.', '')
  else {
    out.push(
      ...table(
        ['target', 'measured', 'threshold', 'verdict', 'note'],
        targets.map((t) => [
          t.name,
          withUnit(t.value, t.unit),
          thresholdText(t),
          `**${verdict(t.passed)}**`,
          t.note ?? '',
        ])
      ),
      ''
    )
  }
  return out
}

/** The suite run's benchmarks whose targets failed, with the failed targets' names. */
export function failedTargets(results: Record<string, unknown>, run: SuiteRun): string[] {
  return run.benchmarks.flatMap((b) =>
    b.status === 'ok'
      ? targetsOf(results[b.key] as Record<string, unknown> | undefined)
          .filter((t) => t.passed === false)
          .map((t) => `${b.key}: ${t.name}`)
      : []
  )
}

export function renderSummary(results: Record<string, unknown>, quick: boolean): string {
  const run = results[suiteKey(quick)] as SuiteRun | undefined
  if (run === undefined) {
    throw new Error(`results have no "${suiteKey(quick)}" entry: no suite run to summarise`)
  }
  const entry = (b: SuiteBenchmark) => results[b.key] as Record<string, unknown> | undefined
  const minutes = (s: number) => (s >= 90 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(0)} s`)
  const lines = [
    '# Benchmark summary',
    '',
    `${quick ? 'Quick run' : 'Full run'}: \`${run.command}\`, ${run.benchmarks.length} benchmark${run.benchmarks.length === 1 ? '' : 's'} in ` +
      `${minutes(run.seconds)}. Written by the suite (bench/suite.ts) from bench/results.json, ` +
      'where every figure is kept; bench/README.md describes each benchmark.',
    '',
    '## Machine',
    '',
    ...machineSection(run.machine),
    '',
    '## Overview',
    '',
    ...table(
      ['benchmark', 'ran', 'time', 'targets'],
      run.benchmarks.map((b) => [
        b.key,
        b.status === 'error' ? '**error**' : b.firstAttemptError ? 'ok (2nd attempt)' : 'ok',
        minutes(b.seconds),
        b.status === 'ok' ? counts(targetsOf(entry(b))) : 'not measured',
      ])
    ),
    '',
  ]
  for (const b of run.benchmarks) lines.push(...benchmarkSection(b, entry(b)))
  return lines.join('\n').trimEnd() + '\n'
}
