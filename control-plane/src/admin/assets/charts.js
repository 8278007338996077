// Charts as inline SVG, from the scalar metrics the API has (no curves): grouped bars per version.

import { chartFigure, compare, fmt, h, svg } from './lib.js'

function niceStep(span) {
  const raw = span / 4
  const mag = 10 ** Math.floor(Math.log10(raw))
  const n = raw / mag
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag
}

/** Grouped bars: one group per version, one bar per series (missing values are marked n/a). */
function barChart({ title, caption, series, groups }) {
  const W = 560
  const H = 230
  const L = 52
  const T = 14
  const B = 34
  const values = groups.flatMap((g) => series.map((s) => g[s.key])).filter((v) => v !== null)
  const step = niceStep(Math.max(...values, 0) - Math.min(...values, 0) || 1)
  const top = Math.ceil(Math.max(...values, 0) / step) * step || step
  const bottom = Math.floor(Math.min(...values, 0) / step) * step
  const y = (v) => T + ((top - v) / (top - bottom)) * (H - T - B)
  const gw = (W - L - 8) / Math.max(groups.length, 1)
  const bw = Math.min(30, (gw * 0.8) / series.length)
  const parts = []
  for (let i = 0; bottom + i * step <= top + step / 2; i++) {
    const v = bottom + i * step
    parts.push(
      svg('line', {
        x1: L,
        x2: W - 8,
        y1: y(v),
        y2: y(v),
        class: Math.abs(v) < step / 1e6 ? 'axis' : 'grid',
      }),
      svg('text', { x: L - 6, y: y(v) + 4, class: 'tick', 'text-anchor': 'end' }, fmt(v, 3))
    )
  }
  groups.forEach((g, i) => {
    const x0 = L + i * gw + (gw - bw * series.length) / 2
    series.forEach((s, j) => {
      const v = g[s.key]
      const x = x0 + j * bw
      if (v === null) {
        parts.push(
          svg('text', { x: x + bw / 2, y: y(0) - 4, class: 'na', 'text-anchor': 'middle' }, 'n/a')
        )
        return
      }
      const y1 = y(Math.max(v, 0))
      parts.push(
        svg(
          'rect',
          {
            x: x + 1,
            y: y1,
            width: bw - 2,
            height: Math.max(y(Math.min(v, 0)) - y1, 1),
            class: `bar ${s.cls}`,
          },
          svg('title', {}, `${s.label(g)} for version ${g.version}: ${fmt(v)}`)
        )
      )
      if (groups.length <= 5)
        parts.push(
          svg(
            'text',
            { x: x + bw / 2, y: y1 - 3, class: 'value', 'text-anchor': 'middle' },
            fmt(v, 3)
          )
        )
    })
    parts.push(
      svg(
        'text',
        { x: L + i * gw + gw / 2, y: H - B + 16, class: 'tick', 'text-anchor': 'middle' },
        `v${g.version}`
      )
    )
  })
  return chartFigure('chart', W, H, `${title}. ${caption}`, parts, [
    h('strong', {}, title),
    h(
      'ul',
      { class: 'legend' },
      series.map((s) =>
        h('li', {}, h('span', { class: `key ${s.cls}`, 'aria-hidden': 'true' }), s.legend)
      )
    ),
    h('span', { class: 'muted' }, caption),
  ])
}

const SAME_SET =
  'Each group is one version’s evaluation on its own test set: compare bars within a group, not across groups. Curves (gains, deciles) are not in the API; these are its scalar metrics.'

export function giniChart(versions, channel) {
  return barChart({
    title: 'Normalised Gini (the gains curve’s summary; higher is better)',
    caption: SAME_SET,
    series: [
      { key: 'gini', cls: 's-version', legend: 'the version', label: () => 'Gini' },
      {
        key: 'cGini',
        cls: 's-champion',
        legend: `the ${channel} champion it was evaluated against`,
        label: (g) => `${channel} champion v${g.against} Gini`,
      },
      {
        key: 'baseline',
        cls: 's-baseline',
        legend: 'last-90-days baseline',
        label: () => 'Last-90-days baseline Gini',
      },
    ],
    groups: versions.map((v) => ({ version: v.version, ...compare(v, channel) })),
  })
}

export function rmseChart(versions, channel) {
  return barChart({
    title: 'RMSE of the 90-day value (lower is better)',
    caption: SAME_SET,
    series: [
      { key: 'rmse', cls: 's-version', legend: 'the version', label: () => 'RMSE' },
      {
        key: 'cRmse',
        cls: 's-champion',
        legend: `the ${channel} champion it was evaluated against`,
        label: (g) => `${channel} champion v${g.against} RMSE`,
      },
    ],
    groups: versions.map((v) => ({ version: v.version, ...compare(v, channel) })),
  })
}
