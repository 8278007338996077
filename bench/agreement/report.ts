// The agreement text printed after each input: ingest and feature row counts, the cleaning rules
// side by side, mismatches per column and a few examples of each difference.

import { textTable } from '../../trainer/src/io/text-table.ts'
import { REL_TOL } from './feature-rows.ts'
import type { AgreementResult } from './index.ts'
import { differenceExamples } from './row-set.ts'
import { SPLITS } from './spec.ts'

export function printAgreement(inputId: string, r: AgreementResult): void {
  const out: string[] = [`\nAgreement on ${inputId} (numeric tolerance ${REL_TOL} relative):`]
  const i = r.ingest
  out.push(
    `  ingest: fcv ${i.rowsA.toLocaleString('en')} lines, pandas ${i.rowsB.toLocaleString('en')}; ` +
      (i.full
        ? `only in fcv ${i.onlyA}, only in pandas ${i.onlyB}; `
        : '(per-customer comparison only) ') +
      `customers ${i.customersA}/${i.customersB}, differing ${i.customersDiffering}; ` +
      `net amount ${i.amountSumA}/${i.amountSumB} minor`
  )
  out.push(...differenceExamples(i, 'fcv', 'pandas'))
  for (const e of i.customerExamples) out.push(`    customer ${e}`)
  const q = r.quarantine
  out.push(
    `  quarantine: fcv ${q.rowsA.toLocaleString('en')} rows, pandas ${q.rowsB.toLocaleString('en')}; ` +
      `rows (reason + content) only in fcv ${q.onlyA}, only in pandas ${q.onlyB}`
  )
  out.push(...differenceExamples(q, 'fcv', 'pandas'))
  const c = r.fcvVsPandas
  out.push(
    `  features rows: ` +
      SPLITS.map(
        (s) => `${s} fcv ${c.perSplit[s]?.fcv ?? 0} / pandas ${c.perSplit[s]?.pandas ?? 0}`
      ).join(', ') +
      `; only in fcv ${c.onlyA}, only in pandas ${c.onlyB}`
  )
  out.push(...differenceExamples(c, 'fcv', 'pandas'))
  for (const side of ['fcv', 'pandas'] as const) {
    for (const [split, issues] of Object.entries(r.schema[side])) {
      if (issues.length) out.push(`  schema of ${side} ${split}.arrow: ${issues.join('; ')}`)
    }
  }
  if (r.cleaning.length) {
    out.push('  cleaning (rows per rule; pandas counts lines with a wrong field count as invalid):')
    const cells = r.cleaning.map((x) => [x.rule, String(x.fcv ?? 'n/a'), String(x.pandas ?? 'n/a')])
    out.push(textTable(['rule', 'fcv ingest', 'pandas'], cells, 'lrr').replace(/^/gm, '    '))
  }
  const comparisons = [c, r.coreVsPandas, r.coreVsFcv].filter((x) => x !== undefined)
  const columns = Object.keys(c.mismatches)
  if (comparisons.every((x) => x.totalMismatches === 0)) {
    out.push(
      `  mismatching rows per column: 0 in all ${columns.length} columns` +
        (r.coreVsPandas
          ? ' (fcv vs pandas, core(pandas tx) vs pandas, core(fcv tx) vs fcv)'
          : ' (fcv vs pandas)')
    )
  } else {
    const headers = ['column', 'fcv vs pandas']
    if (r.coreVsPandas) headers.push('core(pandas tx) vs pandas', 'core(fcv tx) vs fcv')
    const rows = columns.map((col) => {
      const cells = [col, String(c.mismatches[col] ?? 0)]
      if (r.coreVsPandas) {
        cells.push(
          String(r.coreVsPandas.mismatches[col] ?? 0),
          String(r.coreVsFcv?.mismatches[col] ?? 0)
        )
      }
      return cells
    })
    out.push('  mismatching rows per column:')
    out.push(textTable(headers, rows, 'lrrr').replace(/^/gm, '    '))
  }
  for (const [name, cmp] of [
    ['fcv vs pandas', c],
    ['core(pandas tx) vs pandas', r.coreVsPandas],
    ['core(fcv tx) vs fcv', r.coreVsFcv],
  ] as const) {
    if (!cmp) continue
    if (cmp !== c && (cmp.onlyA || cmp.onlyB)) {
      out.push(`  ${name}: rows only in core ${cmp.onlyA}, only in the output ${cmp.onlyB}`)
      out.push(...differenceExamples(cmp, 'core', 'output'))
    }
    for (const [col, list] of Object.entries(cmp.examples)) {
      for (const e of list.slice(0, 3)) {
        out.push(
          `    ${name}: ${col} ${e.split} customer ${e.customer} @ ${e.cutoff}: ${String(e.a)} vs ${String(e.b)}`
        )
      }
    }
  }
  process.stdout.write(out.join('\n') + '\n')
}
