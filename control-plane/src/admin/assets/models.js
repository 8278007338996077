/* global document */
// Models and versions: each version's key metrics beside a channel's champion's on the same test
// set (the channel is chosen above the table), the channels it serves, charts, and the "sync from
// MLflow" button.

import { giniChart, rmseChart } from './charts.js'
import {
  api,
  byVersion,
  CHANNELS,
  choose,
  compare,
  COMPARE_CHANNEL,
  delta,
  describe,
  flash,
  fmt,
  h,
  hooks,
  loadModels,
  MODEL,
  modelPath,
  pct,
  signed,
  state,
  uid,
} from './lib.js'

export async function viewModels() {
  const models = await loadModels()
  const input = h('input', {
    id: 'sync-name',
    name: 'model',
    required: true,
    value: state.model ?? document.body.dataset.defaultModel ?? '',
  })
  const form = h(
    'form',
    { class: 'inline', onsubmit: (ev) => sync(ev, input.value.trim()) },
    h('label', { for: 'sync-name' }, 'Registered model'),
    input,
    h('button', { type: 'submit' }, 'Sync from MLflow')
  )
  // What serves where (the deployments), per model: MLflow aliases alone do not say which channel.
  const deployments = await Promise.all(
    models.map(async (m) => (await api('GET', `${modelPath(m.name)}/deployments`)).body.deployments)
  )
  return [
    h('h1', { tabindex: -1 }, 'Models and versions'),
    form,
    models.length ? channelPicker() : null,
    models.length
      ? models.map((m, i) => modelSection(m, serving(deployments[i])))
      : h('p', {}, 'No model is mirrored yet: sync one by name.'),
  ]
}

/** Whose champion the tables and charts compare with: each channel has its own. */
function channelPicker() {
  const name = uid('compare')
  return h(
    'fieldset',
    { class: 'inline compare-channel' },
    h('legend', {}, 'Compare with the champion of'),
    CHANNELS.map((ch) => {
      const id = uid('compare-ch')
      return [
        h('input', {
          type: 'radio',
          id,
          name,
          value: ch,
          checked: ch === state.channel,
          onchange: async () => {
            state.channel = ch
            sessionStorage.setItem(COMPARE_CHANNEL, ch)
            await hooks.render()
          },
        }),
        h('label', { for: id }, ch),
      ]
    })
  )
}

/** Version → what it does on each channel ("edge champion", "widget canary 10 %"...). */
function serving(deployments) {
  const out = new Map()
  const add = (v, text, cls) => v && out.set(v, [...(out.get(v) ?? []), { text, cls }])
  for (const d of deployments) {
    add(d.championVersion, `${d.channel} champion`, 'champ')
    add(d.canaryVersion, `${d.channel} canary ${pct(d.canaryShare)}`, 'canary')
    add(d.shadowVersion, `${d.channel} shadow`, '')
  }
  return out
}

async function sync(ev, name) {
  ev.preventDefault()
  const button = ev.submitter ?? ev.target.querySelector('button')
  button.disabled = true
  flash(`Syncing ${name} from MLflow…`, 'busy')
  try {
    const { body } = await api('POST', `${modelPath(name)}/sync`)
    state.model = name
    sessionStorage.setItem(MODEL, name)
    await hooks.render()
    flash(`Synced ${body.versions.length} version(s) of ${name} from MLflow.`)
  } catch (e) {
    flash(describe(e), 'error')
    button.disabled = false
  }
}

function modelSection(m, roles) {
  const title = uid('model')
  const versions = [...m.versions].sort(byVersion)
  return h(
    'section',
    { class: 'model', 'aria-labelledby': title },
    h('h2', { id: title }, m.name),
    m.description ? h('p', { class: 'muted' }, m.description) : null,
    versionsTable(m.name, [...versions].reverse(), roles),
    h(
      'div',
      { class: 'charts' },
      giniChart(versions.slice(-10), state.channel),
      rmseChart(versions.slice(-10), state.channel)
    )
  )
}

function versionsTable(model, versions, roles) {
  const th = (text, attrs = {}) => h('th', { scope: 'col', ...attrs }, text)
  const head = h(
    'thead',
    {},
    h(
      'tr',
      {},
      th('Version', { rowspan: 2 }),
      th('Evaluated against', { rowspan: 2 }),
      th('Gini (higher is better)', { colspan: 3, scope: 'colgroup' }),
      th('RMSE (lower is better)', { colspan: 3, scope: 'colgroup' }),
      th('Sum ratio (1 = unbiased)', { colspan: 2, scope: 'colgroup' }),
      th('Gini of last-90-days baseline', { rowspan: 2 }),
      th('Actions', { rowspan: 2 })
    ),
    h(
      'tr',
      {},
      ['version', 'champion', 'Δ', 'version', 'champion', 'Δ', 'version', 'champion'].map((t) =>
        th(t)
      )
    )
  )
  const rows = versions.map((v) => {
    const c = compare(v, state.channel)
    return h(
      'tr',
      { 'data-version': v.version },
      h(
        'th',
        { scope: 'row' },
        h('span', { class: 'version' }, v.version),
        (roles.get(v.version) ?? []).map((r) => h('span', { class: `badge ${r.cls}` }, r.text)),
        v.aliases.map((a) => h('span', { class: 'badge', title: 'MLflow alias' }, `@${a}`)),
        v.status === 'READY' ? null : h('span', { class: 'badge warn' }, v.status)
      ),
      h('td', {}, c.against ? `${state.channel} champion v${c.against}` : '— (no champion)'),
      h('td', {}, fmt(c.gini)),
      h('td', {}, fmt(c.cGini)),
      delta(c.dGini, signed(c.dGini), true),
      h('td', {}, fmt(c.rmse)),
      h('td', {}, fmt(c.cRmse)),
      delta(
        c.dRmse,
        c.dRmse === null
          ? ''
          : `${c.dRmse > 0 ? '+' : c.dRmse < 0 ? '−' : '±'}${pct(Math.abs(c.dRmse))}`,
        false
      ),
      h('td', {}, fmt(c.sumRatio)),
      h('td', {}, fmt(c.cSumRatio)),
      h('td', {}, fmt(c.baseline)),
      h(
        'td',
        {},
        h(
          'a',
          {
            class: 'button',
            href: `#promote?version=${encodeURIComponent(v.version)}`,
            onclick: () => choose(model),
            'aria-label': `Promote version ${v.version}`,
          },
          'Promote…'
        )
      )
    )
  })
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'versions' },
      h(
        'caption',
        {},
        `Each version’s metrics beside the ${state.channel} champion’s, scored by the same evaluation on the version’s own test set (its champion.${state.channel}.* tags).`
      ),
      head,
      h('tbody', {}, rows)
    )
  )
}
