/* global location */
// The audit log, newest first, with filters, paging and each entry's before/after as JSON.

import { api, errorBox, h, time } from './lib.js'

export async function viewAudit(params) {
  const filter = { action: params.get('action') ?? '', target: params.get('target') ?? '' }
  const tbody = h('tbody', {})
  const more = h('button', { type: 'button' }, 'Load older entries')
  let offset = 0
  const page = async () => {
    const q = new URLSearchParams({ limit: '50', offset: String(offset) })
    for (const [k, v] of Object.entries(filter)) if (v) q.set(k, v)
    const { body } = await api('GET', `/v1/audit?${q}`)
    offset += body.entries.length
    tbody.append(...body.entries.map(auditRow))
    more.hidden = body.entries.length < 50
    if (offset === 0) tbody.append(h('tr', {}, h('td', { colspan: 6 }, 'No entries.')))
  }
  more.addEventListener('click', () => page().catch((e) => more.replaceWith(errorBox(e))))
  await page()
  const input = (name, label) => [
    h('label', { for: `audit-${name}` }, label),
    h('input', { id: `audit-${name}`, name, value: filter[name] }),
  ]
  const form = h(
    'form',
    {
      class: 'inline',
      onsubmit: (ev) => {
        ev.preventDefault()
        const q = new URLSearchParams()
        for (const name of ['action', 'target']) {
          const v = form.elements[name].value.trim()
          if (v) q.set(name, v)
        }
        location.hash = `audit${q.size ? `?${q}` : ''}`
      },
    },
    input('action', 'Action (exact)'),
    input('target', 'Target (exact, e.g. model/edge)'),
    h('button', { type: 'submit' }, 'Filter')
  )
  return [
    h('h1', { tabindex: -1 }, 'Audit log'),
    form,
    h(
      'table',
      { class: 'audit' },
      h('caption', {}, 'Newest first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Time', 'Actor', 'Action', 'Target', 'Reason', 'Change'].map((t) =>
            h('th', { scope: 'col' }, t)
          )
        )
      ),
      tbody
    ),
    more,
  ]
}

function auditRow(e) {
  const json = (x) => h('pre', {}, x === null || x === undefined ? '—' : JSON.stringify(x, null, 2))
  return h(
    'tr',
    { 'data-action': e.action },
    h('td', {}, time(e.at)),
    h('td', {}, e.actor),
    h('td', {}, h('code', {}, e.action)),
    h('td', {}, e.target),
    h('td', {}, e.reason ?? '—'),
    h(
      'td',
      {},
      h(
        'details',
        {},
        h('summary', {}, 'Before / after', h('span', { class: 'sr' }, ` of entry ${e.id}`)),
        h(
          'div',
          { class: 'json' },
          h('h3', {}, 'Before'),
          json(e.before),
          h('h3', {}, 'After'),
          json(e.after)
        ),
        e.requestId ? h('p', { class: 'muted' }, `request ${e.requestId}`) : null
      )
    )
  )
}
