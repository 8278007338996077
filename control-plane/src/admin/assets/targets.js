// The push targets (edge workers) as the reconciler last saw them: in sync with the deployments or
// not, and why; what it changed; the MLflow aliases; and "Reconcile now".

import { api, errorBox, fill, flash, h, hooks, table, time, uid } from './lib.js'

const STATE_TEXT = {
  pending: 'not checked yet',
  in_sync: 'in sync',
  converged: 'in sync (brought up to date)',
  unreachable: 'not answering',
  refused: 'refusing',
  failed: 'failed',
}

export async function targetsSection() {
  const id = uid('targets')
  const msg = h('div', { class: 'card-msg' })
  const section = (...children) =>
    h(
      'section',
      { class: 'targets', 'aria-labelledby': id },
      h('h2', { id }, 'Edge workers (push targets)'),
      children
    )
  let s
  try {
    s = (await api('GET', '/v1/publish-targets')).body
  } catch (e) {
    return section(errorBox(e))
  }
  const reconcile = async (ev) => {
    ev.target.disabled = true
    try {
      await api('POST', '/v1/publish-targets/reconcile')
      await hooks.render()
      flash('Reconciled every push target and the MLflow aliases.')
    } catch (e) {
      fill(msg, errorBox(e))
      ev.target.disabled = false
    }
  }
  return section(
    h(
      'p',
      { class: 'muted' },
      `They serve ${s.model}; each is compared with the deployments and brought up to date on start and every ${s.intervalSeconds} s (sooner after a failure).`
    ),
    s.targets.length
      ? targetsTable(s.targets)
      : h('p', {}, 'No push targets are configured (FCV_EDGE_PUBLISH_URLS).'),
    h(
      'p',
      {},
      'MLflow aliases: ',
      h(
        'span',
        { class: `badge ${s.aliases.state === 'failed' ? 'warn' : 'champ'}` },
        STATE_TEXT[s.aliases.state] ?? s.aliases.state
      ),
      s.aliases.checkedAt ? [' checked ', time(s.aliases.checkedAt)] : null,
      s.aliases.error ? h('span', { class: 'error-text' }, ` ${s.aliases.error}`) : null
    ),
    h('p', {}, h('button', { type: 'button', onclick: reconcile }, 'Reconcile now')),
    msg
  )
}

function targetsTable(targets) {
  return table(
    'push-targets',
    'What each edge worker serves, against the deployments',
    ['Target', 'State', 'Last checked', 'Last in sync', 'Last pass'],
    targets.map((t) =>
      h(
        'tr',
        { 'data-target': t.target },
        h('th', { scope: 'row' }, t.target),
        h(
          'td',
          {},
          h(
            'span',
            { class: `badge ${t.inSync ? 'champ' : 'warn'}` },
            STATE_TEXT[t.state] ?? t.state
          ),
          t.failures > 1 ? ` (${t.failures} passes in a row)` : null
        ),
        h('td', {}, t.checkedAt ? time(t.checkedAt) : '—'),
        h('td', {}, t.lastInSyncAt ? time(t.lastInSyncAt) : 'never'),
        h('td', {}, lastPass(t))
      )
    )
  )
}

function lastPass(t) {
  const lines = t.changes.map(
    (c) =>
      `${c.action} ${c.channel}/${c.role} v${c.version} (${c.why})${c.result === 'ok' ? '' : `: ${c.error}`}`
  )
  if (t.error && !lines.length) lines.push(t.error)
  if (t.unmanaged.length)
    lines.push(`left as they are (no champion here): ${t.unmanaged.join(', ')}`)
  return lines.length
    ? h(
        'ul',
        { class: 'plain' },
        lines.map((l) => h('li', {}, l))
      )
    : 'no change needed'
}
