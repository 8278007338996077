// The fleet as the control plane sees it from every replica's telemetry in PostgreSQL: which
// versions the edge isolates and the widgets still serve, and how far each serving model's inputs
// and predictions have drifted from its training data (population stability index, PSI).

import {
  api,
  chartFigure,
  errorBox,
  fill,
  fmt,
  h,
  modelPath,
  state,
  svg,
  table,
  time,
} from './lib.js'

const W = 560

/** Horizontal bars, one per feature, against the alert threshold (a dashed line). */
function psiChart(features, threshold) {
  const rows = features.filter((f) => f.psi !== null)
  const L = 190
  const R = 48
  const rowH = 18
  const H = 24 + rows.length * rowH
  const top = Math.max(threshold * 1.5, ...rows.map((f) => f.psi))
  const x = (v) => L + (v / top) * (W - L - R)
  const parts = [
    svg('line', { x1: x(0), x2: x(0), y1: 8, y2: H - 14, class: 'axis' }),
    svg('line', { x1: x(threshold), x2: x(threshold), y1: 8, y2: H - 14, class: 'threshold' }),
    svg(
      'text',
      { x: x(threshold), y: H - 2, class: 'tick', 'text-anchor': 'middle' },
      `alert at ${threshold}`
    ),
  ]
  rows.forEach((f, i) => {
    const y = 12 + i * rowH
    const high = f.psi > threshold
    parts.push(
      svg('text', { x: L - 6, y: y + 11, class: 'tick', 'text-anchor': 'end' }, f.name),
      svg(
        'rect',
        {
          x: x(0),
          y,
          width: Math.max(x(f.psi) - x(0), 1),
          height: rowH - 5,
          class: high ? 'bar s-drift-high' : 'bar s-drift',
        },
        svg('title', {}, `${f.name}: PSI ${fmt(f.psi, 3)}${high ? ' (over the threshold)' : ''}`)
      ),
      svg('text', { x: x(f.psi) + 4, y: y + 11, class: 'value' }, fmt(f.psi, 2))
    )
  })
  return chartFigure(
    'psi',
    W,
    H,
    `PSI per feature; ${rows.filter((f) => f.psi > threshold).length} over ${threshold}`,
    parts,
    [
      h('strong', {}, 'Input drift per feature (PSI against the training histogram)'),
      h(
        'span',
        { class: 'muted' },
        ' Under 0.1: no shift; 0.1–0.2: moderate; over 0.2: the population has changed.'
      ),
    ]
  )
}

/** Training and live shares per bucket of one feature, side by side. */
function histogramChart(f) {
  const H = 190
  const L = 40
  const B = 40
  const T = 10
  const n = f.training.length
  const top = Math.max(...f.training, ...f.live, 0.01)
  const y = (v) => T + (1 - v / top) * (H - T - B)
  const gw = (W - L - 8) / n
  const bw = Math.min(18, gw * 0.4)
  const label = (i) => (i === n - 1 ? `>${fmt(f.bounds[i - 1], 3)}` : `≤${fmt(f.bounds[i], 3)}`)
  const parts = [svg('line', { x1: L, x2: W - 8, y1: y(0), y2: y(0), class: 'axis' })]
  for (let i = 0; i < n; i++) {
    const x0 = L + i * gw + gw / 2 - bw
    for (const [j, key, cls] of [
      [0, 'training', 's-champion'],
      [1, 'live', 's-version'],
    ]) {
      const v = f[key][i]
      parts.push(
        svg(
          'rect',
          {
            x: x0 + j * bw,
            y: y(v),
            width: bw - 1,
            height: Math.max(y(0) - y(v), 0.5),
            class: `bar ${cls}`,
          },
          svg('title', {}, `${key} ${label(i)}: ${fmt(v * 100, 3)} %`)
        )
      )
    }
    parts.push(
      svg(
        'text',
        {
          x: L + i * gw + gw / 2,
          y: H - B + 14 + (i % 2) * 12,
          class: 'tick',
          'text-anchor': 'middle',
        },
        label(i)
      )
    )
  }
  return chartFigure(
    'hist',
    W,
    H,
    `${f.name}: share of customers per bucket, training and live`,
    parts,
    [
      h('strong', {}, `${f.name}: training and live distributions`),
      h(
        'ul',
        { class: 'legend' },
        h('li', {}, h('span', { class: 'key s-champion', 'aria-hidden': 'true' }), 'training'),
        h(
          'li',
          {},
          h('span', { class: 'key s-version', 'aria-hidden': 'true' }),
          `live (${f.liveN})`
        )
      ),
    ]
  )
}

function servingSection(serving) {
  const stale = serving.versions.filter((v) => !v.current)
  const banner = stale.length
    ? h(
        'p',
        { class: 'error', role: 'alert' },
        `${stale.length} version(s) still served after the deployment moved on: `,
        stale.map((v) => `${v.channel} v${v.modelVersion}`).join(', ')
      )
    : h('p', { class: 'ok' }, 'Every reporter serves a deployed version.')
  return h(
    'section',
    { class: 'fleet-serving' },
    h('h2', {}, 'What the fleet serves'),
    banner,
    table(
      'fleet',
      `Versions reported in the last ${serving.windowSeconds} s: by the edge isolates that hold them, and by the widget score calls made with them`,
      ['channel', 'version', 'reported by', 'reporters', 'deployed', 'stale since'],
      serving.versions.map((v) =>
        h(
          'tr',
          { class: v.current ? '' : 'stale' },
          h('td', {}, v.channel),
          h('td', {}, v.modelVersion),
          h('td', {}, v.reporter === 'isolate' ? 'edge isolates' : 'widget score calls'),
          h('td', {}, String(v.reporters)),
          h('td', {}, v.current ? 'yes' : 'no'),
          h('td', {}, v.staleSince ? time(v.staleSince) : '—')
        )
      )
    )
  )
}

function driftCard(d, thresholds) {
  const features = [...d.features].sort((a, b) => (b.psi ?? -1) - (a.psi ?? -1))
  const detail = h('div', { class: 'drift-detail' })
  const show = (f) => fill(detail, histogramChart(f))
  if (features[0]) show(features[0])
  const enough = d.observations >= thresholds.minObservations
  return h(
    'section',
    { class: 'drift' },
    h('h3', {}, `${d.channel} · version ${d.modelVersion}`),
    h(
      'p',
      { class: enough ? 'muted' : 'warn' },
      `${d.observations} customers scored in the window`,
      enough ? '' : ` (fewer than ${thresholds.minObservations}: too few to alert on)`,
      d.profile
        ? `; training profile from the cutoff ${d.profile.cutoff} (${d.profile.rows} customers)`
        : ''
    ),
    d.profile
      ? null
      : h('p', { class: 'warn' }, 'This model’s bundle has no training profile: no drift to show.'),
    table(
      'fleet',
      'Prediction drift',
      ['output', 'PSI', 'training mean', 'live mean', 'live / training'],
      d.predictions.map((p) =>
        h(
          'tr',
          { class: p.psi !== null && p.psi > thresholds.psi ? 'stale' : '' },
          h('td', {}, p.output === 'value' ? 'expected value' : 'P(buy)'),
          h('td', {}, fmt(p.psi, 3)),
          h('td', {}, fmt(p.trainingMean, 4)),
          h('td', {}, fmt(p.liveMean, 4)),
          h('td', {}, fmt(p.meanRatio, 3))
        )
      )
    ),
    features.length ? psiChart(features, thresholds.psi) : null,
    features.length
      ? h(
          'p',
          { class: 'field' },
          h('label', { for: `pick-${d.channel}-${d.modelVersion}` }, 'Compare histograms of '),
          h(
            'select',
            {
              id: `pick-${d.channel}-${d.modelVersion}`,
              onchange: (ev) => show(features.find((f) => f.name === ev.target.value)),
            },
            features.map((f) => h('option', { value: f.name }, `${f.name} (PSI ${fmt(f.psi, 2)})`))
          )
        )
      : null,
    detail
  )
}

export async function viewFleet() {
  const heading = h('h1', { tabindex: -1 }, 'Fleet')
  if (!state.model) return [heading, h('p', {}, 'No model is registered yet.')]
  let body
  try {
    body = (await api('GET', `${modelPath(state.model)}/fleet`)).body
  } catch (e) {
    return [heading, errorBox(e)]
  }
  return [
    heading,
    h(
      'p',
      { class: 'muted' },
      `Telemetry of every control-plane replica, over the last ${body.window.seconds} s (to `,
      time(body.window.to),
      ').'
    ),
    servingSection(body.serving),
    h(
      'section',
      { class: 'fleet-drift' },
      h('h2', {}, 'Drift'),
      body.drift.length
        ? body.drift.map((d) => driftCard(d, body.thresholds))
        : h('p', {}, 'Nothing was scored in the window.')
    ),
  ]
}
