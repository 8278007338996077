/* global document, window, Node */
// Shared by the admin pages: elements built from data (never from markup strings), the API client
// (the token from sessionStorage as a bearer header, errors as ApiError), numbers, the
// confirmation dialog. Values from the API reach the page as text nodes and attributes only.

export const TOKEN = 'fcv.admin.token'
export const MODEL = 'fcv.admin.model'
export const COMPARE_CHANNEL = 'fcv.admin.compare-channel'
export const CHANNELS = ['edge', 'widget']
const SVG_NS = 'http://www.w3.org/2000/svg'

export const $ = (id) => document.getElementById(id)
const statusLine = $('status')
export const state = {
  models: [],
  model: sessionStorage.getItem(MODEL),
  /** Whose champion the models page compares versions with. */
  channel: CHANNELS.includes(sessionStorage.getItem(COMPARE_CHANNEL))
    ? sessionStorage.getItem(COMPARE_CHANNEL)
    : CHANNELS[0],
}
/** Set by admin.js: re-render the current view; forget the token and show the sign-in form. */
export const hooks = { render: async () => {}, signOut: () => {} }

// ---- DOM: elements from data, never from markup strings ----------------------------------------

function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v)
    else el.setAttribute(k, v === true ? '' : String(v))
  }
  el.append(...nodes(children))
  return el
}
/** Children as nodes: arrays flattened, null/undefined/false dropped, anything else as text. */
const nodes = (children) =>
  children
    .flat(Infinity)
    .filter((c) => c !== undefined && c !== null && c !== false)
    .map((c) => (c instanceof Node ? c : String(c)))
/** Replaces an element's children (same rules as h). */
export const fill = (el, ...children) => el.replaceChildren(...nodes(children))
export const h = (tag, attrs, ...children) => build(document.createElement(tag), attrs, children)
export const svg = (tag, attrs, ...children) =>
  build(document.createElementNS(SVG_NS, tag), attrs, children)
let ids = 0
export const uid = (p) => `${p}-${++ids}`

/**
 * An inline SVG chart in a figure: an image labelled by its title (what a screen reader says) and
 * a visible caption. `idPrefix` names the title's id.
 */
export function chartFigure(idPrefix, width, height, title, parts, caption) {
  const titleId = uid(idPrefix)
  return h(
    'figure',
    { class: 'chart' },
    svg(
      'svg',
      { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': titleId },
      svg('title', { id: titleId }, title),
      parts
    ),
    h('figcaption', {}, ...caption)
  )
}

/** A table with a caption and one row of column headings; `rows` are its body's rows. */
export const table = (cls, caption, cols, ...rows) =>
  h(
    'table',
    { class: cls },
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        cols.map((t) => h('th', { scope: 'col' }, t))
      )
    ),
    h('tbody', {}, rows)
  )

// ---- the API --------------------------------------------------------------------------------------

export class ApiError extends Error {
  constructor(status, body, fallback) {
    const e = body && typeof body === 'object' ? body.error : null
    super(e?.message ?? fallback)
    this.status = status
    this.code = e?.code ?? 'http_error'
    this.details = e?.details
    this.requestId = e?.requestId ?? null
  }
}

export async function api(method, path, o = {}) {
  const token = o.token ?? sessionStorage.getItem(TOKEN)
  const headers = { accept: 'application/json', ...o.headers }
  if (token) headers.authorization = `Bearer ${token}`
  if (o.body !== undefined) headers['content-type'] = 'application/json'
  let res
  try {
    res = await window.fetch(path, {
      method,
      headers,
      body: o.body === undefined ? undefined : JSON.stringify(o.body),
      credentials: 'omit',
      cache: 'no-store',
    })
  } catch (e) {
    throw new ApiError(0, null, `the control plane did not answer (${e.message})`)
  }
  const text = await res.text()
  let body = null
  try {
    body = JSON.parse(text)
  } catch {
    // not JSON: the status says enough
  }
  if (!res.ok) {
    const err = new ApiError(res.status, body, `${res.status} ${res.statusText}`)
    if (res.status === 401 && !o.token) hooks.signOut(`Signed out: ${err.message} (401).`)
    throw err
  }
  return { body, headers: res.headers }
}

export const modelPath = (name) => `/v1/models/${encodeURIComponent(name)}`

export function describe(e) {
  if (!(e instanceof ApiError)) return `Unexpected error: ${e?.message ?? e}`
  const id = e.requestId ? ` (request id ${e.requestId})` : ''
  if (e.status === 0) return e.message
  if (e.status === 403)
    return `Forbidden (403): your token’s role may not do this. The server said: ${e.message}.${id}`
  return `${e.message} (${e.status} ${e.code})${id}`
}
export const problem = (text) => h('p', { class: 'error', role: 'alert' }, text)
export const errorBox = (e) => problem(describe(e))

export function flash(text, kind = 'ok') {
  statusLine.textContent = text
  statusLine.className = `status ${kind}`
}

/** A version 4 UUID; crypto.randomUUID needs a secure context, getRandomValues does not. */
export function newKey() {
  if (window.crypto.randomUUID) return window.crypto.randomUUID()
  const b = window.crypto.getRandomValues(new Uint8Array(16))
  b[6] = (b[6] & 0x0f) | 0x40
  b[8] = (b[8] & 0x3f) | 0x80
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('')
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`
}

// ---- numbers and times ----------------------------------------------------------------------------

export function tagNum(tags, key) {
  const v = tags?.[key]
  if (v === undefined || v === '') return null
  const n = Number(v)
  return Number.isFinite(n) ? n : null
}
export const fmt = (x, digits = 4) =>
  x === null || x === undefined
    ? '—'
    : typeof x === 'number'
      ? String(Number(x.toPrecision(digits)))
      : String(x)
export const signed = (x, digits = 3) =>
  x === null ? '—' : `${x > 0 ? '+' : x < 0 ? '−' : '±'}${fmt(Math.abs(x), digits)}`
export const pct = (x) => `${fmt(x * 100, 3)} %`
export const when = (iso) => (iso ? iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC') : '—')
export const time = (iso) => h('time', { datetime: iso }, when(iso))
export const byVersion = (a, b) => Number(a.version) - Number(b.version)

/**
 * A version's key metrics next to a channel's champion's on the same test set: the server reads
 * them from the version's tags as its gates do (`evaluatedChampions`).
 */
export function compare(v, channel) {
  const t = v.tags
  const champion = v.evaluatedChampions[channel]
  const gini = tagNum(t, 'metric.gini')
  const rmse = tagNum(t, 'metric.rmse')
  const { gini: cGini, rmse: cRmse } = champion
  return {
    against: champion.version,
    gini,
    cGini,
    dGini: gini !== null && cGini !== null ? gini - cGini : null,
    rmse,
    cRmse,
    dRmse: rmse !== null && cRmse ? rmse / cRmse - 1 : null,
    sumRatio: tagNum(t, 'metric.sum_ratio'),
    cSumRatio: champion.sumRatio,
    baseline: tagNum(t, 'baseline.last_90d.gini'),
    spec: t['fcv.feature_spec.version'] ?? null,
  }
}
/** A difference as text with its sign, and a class saying whether it is better (up or down). */
export function delta(d, text, higherIsBetter) {
  if (d === null) return h('td', {}, '—')
  const better = higherIsBetter ? d > 0 : d < 0
  const cls = d === 0 ? 'delta' : better ? 'delta better' : 'delta worse'
  return h(
    'td',
    { class: cls },
    text,
    d === 0 ? '' : h('span', { class: 'sr' }, better ? ' (better)' : ' (worse)')
  )
}

// ---- the model chosen in the header -------------------------------------------------------------

export async function loadModels() {
  const { body } = await api('GET', '/v1/models')
  setModels(body.models)
  return state.models
}

export function setModels(models) {
  state.models = models
  if (!models.some((m) => m.name === state.model)) state.model = models[0]?.name ?? null
  if (state.model) sessionStorage.setItem(MODEL, state.model)
  const select = $('model-select')
  fill(
    select,
    ...models.map((m) => h('option', { value: m.name, selected: m.name === state.model }, m.name))
  )
  $('model-pick').hidden = models.length === 0
}
export const currentModel = () => state.models.find((m) => m.name === state.model) ?? null
export function choose(model) {
  state.model = model
  sessionStorage.setItem(MODEL, model)
}

// ---- confirmation dialog --------------------------------------------------------------------------

export function confirmDialog(title, body, action) {
  const dialog = $('confirm')
  $('confirm-title').textContent = title
  fill($('confirm-body'), body)
  $('confirm-ok').textContent = action
  return new Promise((resolve) => {
    const done = (ok) => {
      $('confirm-ok').onclick = null
      $('confirm-cancel').onclick = null
      dialog.onclose = null
      if (dialog.open) dialog.close()
      resolve(ok)
    }
    $('confirm-ok').onclick = () => done(true)
    $('confirm-cancel').onclick = () => done(false)
    dialog.onclose = () => done(false)
    dialog.showModal()
    $('confirm-cancel').focus()
  })
}

export function field(label, control, hint) {
  const hintId = hint ? uid('hint') : null
  if (hintId) control.setAttribute('aria-describedby', hintId)
  return h(
    'p',
    { class: 'field' },
    h('label', { for: control.id }, label),
    control,
    hint ? h('span', { id: hintId, class: 'hint' }, hint) : null
  )
}
