// A plain-text table for terminals and logs: columns padded to their widest cell, a dashed rule
// under the header. `align` has one letter per column: 'r' pads on the left, anything else on the
// right.

export function textTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align: string
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (align[i] === 'r' ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}
