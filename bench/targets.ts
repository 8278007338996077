// The one record every benchmark writes for its targets (results.json's `targets`) and for its
// headline figures (`headline`), so the suite's SUMMARY.md reads them all the same way.

export type Comparator = '<' | '<=' | '>=' | '>' | '='

export interface TargetRecord {
  /** What is measured, without the threshold: "worker requests/s at batch 1". */
  name: string
  /** null when not measured (see note). */
  value: number | null
  unit: string
  comparator: Comparator
  threshold: number
  /** null: not evaluated; the note says why (native TensorFlow unavailable, the log absent, ...). */
  passed: boolean | null
  note?: string
}

export interface Figure {
  name: string
  value: number | string | null
  unit: string
}

export function compare(value: number, comparator: Comparator, threshold: number): boolean {
  switch (comparator) {
    case '<':
      return value < threshold
    case '<=':
      return value <= threshold
    case '>=':
      return value >= threshold
    case '>':
      return value > threshold
    case '=':
      return value === threshold
  }
}

/** A measured target; a value that is not a finite number cannot pass or fail, so it needs a note. */
export function target(
  name: string,
  value: number,
  unit: string,
  comparator: Comparator,
  threshold: number,
  note?: string
): TargetRecord {
  const measured = Number.isFinite(value)
  const record: TargetRecord = {
    name,
    value: measured ? value : null,
    unit,
    comparator,
    threshold,
    passed: measured ? compare(value, comparator, threshold) : null,
  }
  if (!measured && note === undefined) note = `not measured (value ${value})`
  return note === undefined ? record : { ...record, note }
}

/** A target this run does not evaluate, with why; a value measured anyway is kept. */
export function notApplicable(
  name: string,
  unit: string,
  comparator: Comparator,
  threshold: number,
  why: string,
  value: number | null = null
): TargetRecord {
  return {
    name,
    value: value !== null && Number.isFinite(value) ? value : null,
    unit,
    comparator,
    threshold,
    passed: null,
    note: why,
  }
}

export const figure = (name: string, value: number | string | null, unit = ''): Figure => ({
  name,
  value: typeof value === 'number' && !Number.isFinite(value) ? null : value,
  unit,
})

const SYMBOL: Record<Comparator, string> = { '<': '<', '<=': '≤', '>=': '≥', '>': '>', '=': '=' }

/** "1,234.5 ms": a number with its unit; "n/a" when there is none. */
export function withUnit(value: number | string | null, unit: string): string {
  if (value === null) return 'n/a'
  const text =
    typeof value === 'number' ? value.toLocaleString('en', { maximumFractionDigits: 4 }) : value
  if (unit === '') return text
  return unit === 'x' || unit === '%' ? `${text}${unit}` : `${text} ${unit}`
}

/** "≥ 3,000 req/s". */
export const thresholdText = (t: TargetRecord) =>
  `${SYMBOL[t.comparator]} ${withUnit(t.threshold, t.unit)}`

export const verdict = (passed: boolean | null) =>
  passed === null ? 'N/A' : passed ? 'PASS' : 'FAIL'

/** One line for a benchmark's printed summary. */
export function targetLine(t: TargetRecord): string {
  return (
    `target ${verdict(t.passed).padEnd(4)}  ${t.name}: ${withUnit(t.value, t.unit)} ` +
    `(target ${thresholdText(t)})${t.note ? `; ${t.note}` : ''}`
  )
}
