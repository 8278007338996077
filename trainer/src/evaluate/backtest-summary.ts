// summary.md of `fcv backtest`: one line per case against the quality bar, then one table per case
// with every model and baseline, then each metric's mean and spread over the cases.

import { formatMetric } from '@fcv/core'
import { SUM_RATIO_BAND } from './backtest-bar.ts'
import type { BacktestCase, BacktestReport } from './backtest.ts'
import { MODEL_NAME } from './index.ts'
import { barChart } from './svg-chart.ts'

const SHOWN = ['gini', 'rmse', 'mae', 'spearman', 'top10_capture', 'sum_ratio'] as const

const percent = (share: number): string => `${Math.round(100 * share)} %`

const fmt = (v: number | null | undefined): string =>
  v === null || v === undefined ? 'n/a' : formatMetric(v)

/** A markdown table; `align` has one letter per column, 'r' for right. */
function mdTable(headers: readonly string[], rows: readonly (readonly string[])[], align: string) {
  const rule = headers.map((_, i) => (align[i] === 'r' ? '---:' : '---'))
  return [headers, rule, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n')
}

/** The case in one line, for the progress log. */
export function summaryLine(c: BacktestCase): string {
  const b = c.bar
  return (
    `${c.store} at ${c.test_cutoff}: Gini ${fmt(b.gini.model)} (best baseline ${fmt(b.gini.best?.value)}), ` +
    `RMSE ${fmt(b.rmse.model)} (BG/NBD x GG ${fmt(b.rmse.btyd)}), sum ratio ${fmt(b.sumRatio.model)} ` +
    `(best baseline ${fmt(b.sumRatio.best?.value)}): ${b.ok ? 'meets the bar' : 'misses the bar'} ` +
    `(the bar holds on ${percent(c.confidence.all)} of ${c.confidence.resamples} resamples of its customers)`
  )
}

function caseTable(c: BacktestCase): string {
  const rows = Object.entries(c.report.models).map(([name, m]) =>
    'error' in m
      ? [name, ...SHOWN.map(() => 'n/a')]
      : [name === MODEL_NAME ? `**${name}**` : name, ...SHOWN.map((k) => fmt(m[k]))]
  )
  return mdTable(['model', ...SHOWN], rows, 'l' + 'r'.repeat(SHOWN.length))
}

export function backtestSummaryMarkdown(report: BacktestReport): string {
  const [lo, hi] = SUM_RATIO_BAND
  const out: string[] = [
    '# fcv backtest',
    '',
    `${report.bar.all} of ${report.bar.cases} cases meet the bar: ZILN's Gini at least the best ` +
      `baseline's (${report.bar.gini}), its RMSE at most BG/NBD x Gamma-Gamma's ` +
      `(${report.bar.rmse}), its sum ratio in [${lo}, ${hi}] wherever the best baseline's is ` +
      `(${report.bar.sum_ratio}).`,
    '',
    `Each case is judged again on resamples of its customers (drawn with replacement, ` +
      `${report.cases[0]?.confidence.resamples ?? 0} per case): "resamples" is the share on which ` +
      `the whole bar holds. Near 0 % or 100 % the verdict does not depend on which customers the ` +
      `log happens to hold; in between, one or two customers decide it. Summed over the cases, ` +
      `${report.cases.reduce((n, c) => n + c.confidence.all, 0).toFixed(1)} would be expected to ` +
      `meet the bar.`,
    '',
    '![RMSE against BG/NBD x Gamma-Gamma per case](summary-rmse.svg)',
    '![Sum ratio per case](summary-sum.svg)',
    '',
  ]
  const skipped = report.stores.filter((s) => s.skipped !== null)
  for (const s of skipped) out.push(`Store ${s.name} was skipped: ${s.skipped}.`, '')
  out.push(
    mdTable(
      [
        'store',
        'test cutoff',
        'customers',
        'Gini',
        'best baseline Gini',
        'RMSE',
        'BG/NBD x GG RMSE',
        'sum ratio',
        'best baseline sum ratio',
        'bar',
        'resamples',
      ],
      report.cases.map((c) => {
        const b = c.bar
        return [
          c.store,
          c.test_cutoff,
          String(c.report.customers),
          fmt(b.gini.model),
          b.gini.best ? `${fmt(b.gini.best.value)} (${b.gini.best.name})` : 'n/a',
          fmt(b.rmse.model),
          fmt(b.rmse.btyd),
          fmt(b.sumRatio.model),
          b.sumRatio.best ? `${fmt(b.sumRatio.best.value)} (${b.sumRatio.best.name})` : 'n/a',
          b.ok
            ? 'meets'
            : [!b.gini.ok && 'Gini', !b.rmse.ok && 'RMSE', !b.sumRatio.ok && 'sum']
                .filter(Boolean)
                .join(', '),
          percent(c.confidence.all),
        ]
      }),
      'llrrrrrrrlr'
    ),
    ''
  )
  const stores = new Map(report.stores.map((s) => [s.name, s]))
  for (const c of report.cases) {
    const s = stores.get(c.store)
    out.push(
      `## ${c.store} at ${c.test_cutoff}`,
      '',
      `${s?.description ? `${s.description}. ` : ''}${c.report.customers} customers, ` +
        `${(100 * c.report.zero_share).toFixed(0)} % without a purchase in the next ` +
        `${c.report.horizon_days} days; ${c.report.currency}.`,
      '',
      caseTable(c),
      ''
    )
  }
  out.push('## Over all cases (mean ± sd)', '')
  out.push(
    mdTable(
      ['model', ...SHOWN],
      Object.entries(report.models).map(([name, metrics]) => [
        name,
        ...SHOWN.map((k) => {
          const s = metrics[k]
          return !s || s.mean === null ? 'n/a' : `${fmt(s.mean)} ± ${fmt(s.sd ?? 0)}`
        }),
      ]),
      'l' + 'r'.repeat(SHOWN.length)
    ),
    ''
  )
  return out.join('\n')
}

/** summary-rmse.svg and summary-sum.svg: each case against the bar, as pictures. */
export function backtestCharts(report: BacktestReport): { file: string; svg: string }[] {
  // Short enough for a 100 px band: the store's first 6 letters and the cutoff's year and month.
  const categories = report.cases.map((c) => `${c.store.slice(0, 6)} ${c.test_cutoff.slice(2, 7)}`)
  const width = Math.max(720, 320 + 100 * categories.length)
  return [
    {
      file: 'summary-rmse.svg',
      svg: barChart({
        id: 'backtest-rmse',
        title: 'RMSE against BG/NBD x Gamma-Gamma, per case',
        description:
          "Each case's ZILN RMSE divided by BG/NBD x Gamma-Gamma's: at or below 1 meets that part of the bar.",
        xLabel: 'case (store, test cutoff)',
        yLabel: 'RMSE / BG/NBD x GG RMSE',
        width,
        yFormat: (v) => v.toFixed(2),
        categories,
        groups: [
          {
            name: 'ZILN / BG/NBD x GG',
            color: '#2456d6',
            values: report.cases.map((c) =>
              c.bar.rmse.model !== null && c.bar.rmse.btyd
                ? c.bar.rmse.model / c.bar.rmse.btyd
                : null
            ),
          },
        ],
      }),
    },
    {
      file: 'summary-sum.svg',
      svg: barChart({
        id: 'backtest-sum',
        title: 'Predicted total / actual total, per case',
        description:
          "Each case's sum ratio for ZILN and for the baseline closest to 1; the bar asks for 0.85 to 1.15 wherever that baseline is.",
        xLabel: 'case (store, test cutoff)',
        yLabel: 'sum ratio',
        width,
        yFormat: (v) => v.toFixed(2),
        categories,
        groups: [
          { name: 'ZILN', color: '#2456d6', values: report.cases.map((c) => c.bar.sumRatio.model) },
          {
            name: 'best baseline',
            color: '#9aa5b4',
            values: report.cases.map((c) => c.bar.sumRatio.best?.value ?? null),
          },
        ],
      }),
    },
  ]
}
