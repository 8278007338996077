// The gate table `fcv release promote` prints, on success and on failure alike.

export interface Gate {
  gate: string
  passed: boolean
  value: number | string | null
  threshold: string
  detail: string
}

const HEADER = ['gate', 'result', 'value', 'threshold', 'detail'] as const

function cell(v: number | string | null): string {
  if (v === null) return '-'
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(4)))
  return v
}

/** Aligned columns, one gate a line, `FAIL` where a gate did not pass. */
export function formatGateTable(gates: Gate[]): string[] {
  const rows = gates.map((g) => [
    g.gate,
    g.passed ? 'pass' : 'FAIL',
    cell(g.value),
    g.threshold,
    g.detail,
  ])
  const all = [[...HEADER], ...rows]
  const widths = HEADER.map((_, i) => Math.max(...all.map((r) => r[i]!.length)))
  // The last column (detail) is not padded: no trailing spaces.
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(all[0]!), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)]
}
