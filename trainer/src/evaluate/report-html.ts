// reports/report.html: the evaluation for people. One self-contained page (inline CSS and SVG, no
// scripts, fonts or links) built from what `fcv evaluate` writes: metrics.json and plots/*.csv. Its
// three charts are also written alone, as plots/*.svg (`renderCharts`).

import { championRefsIn } from './channel-champions.ts'
import type { MetricsReport } from './index.ts'
import { REPORT_CSS } from './report-style.ts'
import { barChart, escapeXml as esc, lineChart, type LineSeries } from './svg-chart.ts'

/** One parsed row of a plots/*.csv file: column name to value, null for an empty cell. */
export type CsvRow = Record<string, number | null>

/** A row of plots/gains.csv: customer_share, lorenz, then the cumulative gain of each model. */
export type GainsRow = CsvRow & { customer_share: number; lorenz: number | null }
/** A row of plots/deciles.csv: decile, then `<model>_actual` and `<model>_predicted`. */
export type DecileRow = CsvRow & { decile: number }
/** A row of plots/training.csv. */
export interface TrainingRow {
  epoch: number
  loss: number | null
  val_loss: number | null
  learning_rate: number | null
}

export interface ReportInput {
  metrics: MetricsReport
  gains: GainsRow[]
  deciles: DecileRow[]
  training: TrainingRow[]
  /** The model to feature (decile chart, emphasis); default: the first model in metrics.json. */
  primary?: string
}

/** Parses one plots/*.csv text (numbers only, header first) into rows; empty cells are null. */
export function parsePlotCsv(text: string): CsvRow[] {
  const [header, ...lines] = text.trim().split(/\r?\n/)
  const names = (header ?? '').split(',')
  return lines.map((line) => {
    const cells = line.split(',')
    return Object.fromEntries(
      names.map((n, i) => {
        const cell = cells[i]?.trim() ?? ''
        const v = Number(cell)
        return [n, cell === '' || !Number.isFinite(v) ? null : v]
      })
    )
  })
}

/** The texts of metrics.json and plots/{gains,deciles,training}.csv, parsed for `renderReport`. */
export function parseReportInput(files: {
  metricsJson: string
  gainsCsv: string
  decilesCsv: string
  trainingCsv: string
}): ReportInput {
  const table = (name: string, text: string, key: string) => {
    const rows = parsePlotCsv(text)
    if (rows.some((row) => typeof row[key] !== 'number'))
      throw new Error(`report: ${name} has a row without a number in column ${key}`)
    return rows
  }
  const metrics = JSON.parse(files.metricsJson) as MetricsReport
  if (typeof metrics !== 'object' || metrics === null || typeof metrics.models !== 'object')
    throw new Error('report: metrics.json has no models')
  return {
    metrics,
    gains: table('gains.csv', files.gainsCsv, 'customer_share') as GainsRow[],
    deciles: table('deciles.csv', files.decilesCsv, 'decile') as DecileRow[],
    training: table('training.csv', files.trainingCsv, 'epoch').map((row) => ({
      epoch: row.epoch as number,
      loss: row.loss ?? null,
      val_loss: row.val_loss ?? null,
      learning_rate: row.learning_rate ?? null,
    })),
  }
}

type Metrics = Record<string, unknown>
type Better = 'high' | 'low' | 'one'

interface Column {
  key: string
  label: string
  better: Better
  format: (v: number) => string
}

const fixed = (digits: number) => (v: number) => v.toFixed(digits)
const percent = (v: number) => `${(v * 100).toFixed(1)}%`
const money = (v: number) =>
  v.toLocaleString('en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1 })

const COLUMN_GROUPS: { label: string; columns: Column[] }[] = [
  {
    label: 'Ranking',
    columns: [
      { key: 'gini', label: 'Gini', better: 'high', format: fixed(3) },
      { key: 'spearman', label: 'Spearman', better: 'high', format: fixed(3) },
      { key: 'top10_capture', label: 'Top-10% capture', better: 'high', format: percent },
      { key: 'auc', label: 'AUC (buyer)', better: 'high', format: fixed(3) },
    ],
  },
  {
    label: 'Error',
    columns: [
      { key: 'rmse', label: 'RMSE', better: 'low', format: money },
      { key: 'mae', label: 'MAE', better: 'low', format: money },
      { key: 'r2', label: 'R²', better: 'high', format: fixed(3) },
    ],
  },
  {
    label: 'Calibration',
    columns: [
      { key: 'decile_mape', label: 'Decile MAPE', better: 'low', format: percent },
      { key: 'sum_ratio', label: 'Sum ratio', better: 'one', format: fixed(3) },
    ],
  },
  {
    label: 'Seed-comparable: log1p, buyers',
    columns: [
      { key: 'r2_log1p_buyers', label: 'R²', better: 'high', format: fixed(3) },
      { key: 'rmse_log1p_buyers', label: 'RMSE', better: 'low', format: fixed(3) },
    ],
  },
]
const COLUMNS = COLUMN_GROUPS.flatMap((g) => g.columns)
const BETTER_MARK: Record<Better, [string, string]> = {
  high: ['↑', 'higher is better'],
  low: ['↓', 'lower is better'],
  one: ['→1', 'closest to 1 is best'],
}

function metricValue(m: Metrics, key: string): number | null {
  const v = m[key]
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

/** How far from best a value is (smaller is better), so one comparison serves every column. */
function badness(c: Column, v: number): number {
  return c.better === 'high' ? -v : c.better === 'low' ? v : Math.abs(v - 1)
}

type ModelEntry = [string, Metrics | { error: string }]

function isFailed(m: ModelEntry[1]): m is { error: string } {
  return 'error' in m && typeof m.error === 'string'
}

function comparisonTable(models: ModelEntry[], primary: string): string {
  const ok = models.flatMap(([, m]) => (isFailed(m) ? [] : [m]))
  const best = COLUMNS.map((c) => {
    const scores = ok.flatMap((m) => {
      const v = metricValue(m, c.key)
      return v === null ? [] : [badness(c, v)]
    })
    return scores.length > 1 ? Math.min(...scores) : null // one value is no contest
  })
  const groupRow = COLUMN_GROUPS.map(
    (g) => `<th scope="colgroup" colspan="${g.columns.length}">${esc(g.label)}</th>`
  ).join('')
  const headRow = COLUMNS.map((c) => {
    const [mark, words] = BETTER_MARK[c.better]
    return `<th scope="col" title="${esc(words)}">${esc(c.label)} <span class="dir" aria-label="${esc(words)}">${esc(mark)}</span></th>`
  }).join('')
  const rows = models.map(([name, m]) => {
    const cls = name === primary ? ' class="primary"' : ''
    const head = `<th scope="row">${esc(name)}</th>`
    if (isFailed(m)) {
      return `<tr${cls}>${head}<td class="failed" colspan="${COLUMNS.length}"><strong>failed</strong>: ${esc(m.error)}</td></tr>`
    }
    const cells = COLUMNS.map((c, j) => {
      const v = metricValue(m, c.key)
      if (v === null) return '<td class="na">n/a</td>'
      const top = best[j] !== null && Math.abs(badness(c, v) - best[j]!) < 1e-12
      return top
        ? `<td class="best"><strong>${esc(c.format(v))}</strong></td>`
        : `<td>${esc(c.format(v))}</td>`
    })
    return `<tr${cls}>${head}${cells.join('')}</tr>`
  })
  return (
    '<div class="table-wrap"><table>' +
    '<caption>Every model scored on the same test customers. Best value per column in bold on green ' +
    '(↑ higher is better, ↓ lower is better, →1 closest to 1). RMSE and MAE in currency units.</caption>' +
    `<thead><tr><td></td>${groupRow}</tr><tr><th scope="col">Model</th>${headRow}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></div>`
  )
}

// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
const PRIMARY_COLOR = '#0072B2'
const BASELINE_COLORS = ['#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#F0E442']
const BASELINE_DASHES = ['', '6 3', '2 3', '8 3 2 3', '1 2', '4 4']

function gainsChart(gains: GainsRow[], models: string[], primary: string): string {
  const present = models.filter((m) => gains.some((g) => typeof g[m] === 'number'))
  const curve = (key: string): [number, number | null][] =>
    gains.map((g) => [g.customer_share, g[key] ?? null])
  const baselines = present.filter((m) => m !== primary)
  const series: LineSeries[] = [
    { name: 'Lorenz (perfect ranking)', color: '#222', dash: '5 4', points: curve('lorenz') },
    {
      name: 'Random (diagonal)',
      color: '#999',
      dash: '2 3',
      points: [
        [0, 0],
        [1, 1],
      ],
    },
    ...(present.includes(primary)
      ? [{ name: primary, color: PRIMARY_COLOR, strokeWidth: 3.5, points: curve(primary) }]
      : []),
    ...baselines.map((m, k): LineSeries => ({
      name: m,
      color: BASELINE_COLORS[k % BASELINE_COLORS.length]!,
      dash: BASELINE_DASHES[k % BASELINE_DASHES.length] || undefined,
      strokeWidth: 1.75,
      points: curve(m),
    })),
  ]
  return lineChart({
    id: 'gains',
    title: 'Cumulative gains',
    description:
      'Share of the test period’s total value captured by the top customers as ranked by each model, ' +
      'against the perfect ranking (Lorenz curve) and a random one (diagonal).',
    xLabel: 'Customers, ranked by predicted value (share)',
    yLabel: 'Share of actual value',
    xDomain: [0, 1],
    yDomain: [0, 1],
    xFormat: percent0,
    yFormat: percent0,
    xTicks: 10,
    height: 460,
    series,
  })
}

const percent0 = (v: number) => `${Math.round(v * 100)}%`

function decileChart(deciles: DecileRow[], model: string, currency: string): string {
  const pick = (key: string) => deciles.map((d) => d[key] ?? null)
  return barChart({
    id: 'deciles',
    title: `Decile calibration: ${model}`,
    description:
      `Mean actual and mean predicted value (${currency}) in each decile of customers ranked by ` +
      `${model}’s prediction, decile 1 being the highest predicted.`,
    xLabel: `Decile of predicted value (1 = highest), ${model}`,
    yLabel: `Mean value per customer (${currency})`,
    yFormat: (v) => v.toLocaleString('en-GB', { maximumFractionDigits: 2 }),
    categories: deciles.map((d) => String(d.decile)),
    groups: [
      { name: 'Mean actual', color: '#555', values: pick(`${model}_actual`) },
      { name: 'Mean predicted', color: PRIMARY_COLOR, values: pick(`${model}_predicted`) },
    ],
  })
}

/** 0.00025 as 2.5e-4. */
const shortExp = (v: number) => v.toExponential(2).replace(/\.?0+e/, 'e')

function trainingChart(training: TrainingRow[]): string {
  const markers: { x: number; label: string }[] = []
  for (let i = 1; i < training.length; i++) {
    const [prev, row] = [training[i - 1]!, training[i]!]
    if (row.learning_rate !== null && row.learning_rate !== prev.learning_rate)
      markers.push({ x: row.epoch, label: `lr ${shortExp(row.learning_rate)}` })
  }
  let bestRow: TrainingRow | undefined
  for (const t of training)
    if (t.val_loss !== null && (bestRow === undefined || t.val_loss < bestRow.val_loss!))
      bestRow = t
  const points = bestRow
    ? [
        {
          x: bestRow.epoch,
          y: bestRow.val_loss!,
          color: '#D55E00',
          label: `best val ${bestRow.val_loss!.toFixed(3)} @ ${bestRow.epoch}`,
        },
      ]
    : []
  return lineChart({
    id: 'training',
    title: 'Training curve',
    description:
      'Training and validation loss per epoch; dashed vertical rules mark the epochs where the ' +
      'learning rate was cut, the circle the lowest validation loss.',
    xLabel: 'Epoch',
    yLabel: 'Loss (ZILN negative log-likelihood)',
    xTicks: 10,
    yFormat: (v) => String(Number(v.toPrecision(6))),
    series: [
      {
        name: 'Training loss',
        color: PRIMARY_COLOR,
        points: training.map((t) => [t.epoch, t.loss]),
      },
      {
        name: 'Validation loss',
        color: '#D55E00',
        dash: '6 3',
        points: training.map((t) => [t.epoch, t.val_loss]),
      },
    ],
    markers,
    points,
  })
}

/** The report's three charts, each a standalone SVG document: plots/{gains,deciles,training}.svg. */
export interface ReportCharts {
  gains: string
  deciles: string
  training: string
}

function modelsOf(input: ReportInput): { models: ModelEntry[]; primary: string } {
  const models = Object.entries(input.metrics.models) as ModelEntry[]
  return { models, primary: input.primary ?? models[0]?.[0] ?? '' }
}

/** The charts of the report, the same strings `renderReport` inlines. */
export function renderCharts(input: ReportInput): ReportCharts {
  const { models, primary } = modelsOf(input)
  return {
    gains: gainsChart(
      input.gains,
      models.map(([name]) => name),
      primary
    ),
    deciles: decileChart(input.deciles, primary, input.metrics.currency),
    training: trainingChart(input.training),
  }
}

/**
 * The whole HTML report: a pure function of the evaluate outputs. `charts` is `renderCharts(input)`,
 * passed by a caller that also writes them as files, so both are one rendering.
 */
export function renderReport(input: ReportInput, charts = renderCharts(input)): string {
  const { metrics } = input
  const { models, primary } = modelsOf(input)
  const primaryMetrics = metrics.models[primary] as Metrics | undefined
  const buyers = primaryMetrics ? metricValue(primaryMetrics, 'buyers') : null
  // Every channel once any has a champion, so a channel without one shows as such.
  const champions = Object.entries(championRefsIn(metrics))
  const anyChampion = champions.some(([, ref]) => ref !== null)
  const title = `Forward customer value: evaluation at ${metrics.test_cutoff}`
  const facts = [
    ['Test cutoff', metrics.test_cutoff],
    ['Horizon', `${metrics.horizon_days} days`],
    ['Currency', metrics.currency],
    ['Customers', metrics.customers.toLocaleString('en-GB')],
    ...(buyers === null ? [] : [['Buyers', buyers.toLocaleString('en-GB')]]),
    ['Zero spend', percent(metrics.zero_share)],
    ...(anyChampion
      ? [
          [
            'Champion',
            champions
              .map(
                ([c, ref]) => `${c}: ${ref ? `${ref.model_name} version ${ref.version}` : 'none'}`
              )
              .join(', '),
          ],
        ]
      : []),
  ]
  const against = anyChampion
    ? 'each channel’s current champion and the baselines'
    : 'the baselines'
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
<header>
<h1>${esc(title)}</h1>
<p class="note">Predicted spend over the ${esc(String(metrics.horizon_days))} days after the test cutoff, compared with what each customer actually spent.</p>
<ul class="facts">${facts.map(([k, v]) => `<li>${esc(k!)}: <b>${esc(v!)}</b></li>`).join('')}</ul>
</header>
<section aria-labelledby="h-table">
<h2 id="h-table">Model comparison</h2>
<p class="note">The ${esc(primary)} model against ${against}.</p>
${comparisonTable(models, primary)}
</section>
<section aria-labelledby="h-gains">
<h2 id="h-gains">Cumulative gains</h2>
<p class="note">How much of the actual value the top-ranked customers hold. Closer to the Lorenz curve is better; the diagonal is a random ranking.</p>
${charts.gains}
</section>
<section aria-labelledby="h-deciles">
<h2 id="h-deciles">Decile calibration</h2>
<p class="note">Customers split into ten equal groups by ${esc(primary)}’s prediction; a calibrated model’s bars match in every decile.</p>
${charts.deciles}
</section>
<section aria-labelledby="h-training">
<h2 id="h-training">Training</h2>
<p class="note">Loss per epoch on the training and validation sets, with the learning-rate cuts.</p>
${charts.training}
</section>
<footer>Written by <code>fcv evaluate</code> from metrics.json and plots/*.csv.</footer>
</main>
</body>
</html>
`
}
