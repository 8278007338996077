// Deployments per channel: champion, canary (share, stop), shadow (set, stop), rollback, the edge
// workers kept in sync with them, and the recent history. Every change needs a reason and a
// confirmation.

import {
  api,
  byVersion,
  CHANNELS,
  confirmDialog,
  currentModel,
  errorBox,
  field,
  fill,
  flash,
  h,
  hooks,
  loadModels,
  modelPath,
  pct,
  problem,
  table,
  time,
  uid,
} from './lib.js'
import { targetsSection } from './targets.js'

export async function viewDeployments() {
  await loadModels()
  const m = currentModel()
  const heading = h('h1', { tabindex: -1 }, 'Deployments')
  if (!m) return [heading, h('p', {}, 'No model is mirrored yet.')]
  const [{ body }, targets] = await Promise.all([
    api('GET', `${modelPath(m.name)}/deployments`),
    targetsSection(),
  ])
  const versions = [...m.versions].sort(byVersion).reverse()
  return [
    heading,
    h('p', {}, 'Model ', h('strong', {}, m.name)),
    h(
      'div',
      { class: 'channels' },
      CHANNELS.map((ch) =>
        channelCard(
          m.name,
          ch,
          body.deployments.find((d) => d.channel === ch),
          versions
        )
      )
    ),
    targets,
    historyTable(body.history.slice(0, 40)),
  ]
}

function channelCard(model, ch, d, versions) {
  const id = uid('ch')
  const msg = h('div', { class: 'card-msg' })
  const card = (...children) =>
    h(
      'section',
      { class: 'card', 'aria-labelledby': id, 'data-channel': ch },
      h('h2', { id }, `Channel ${ch}`),
      children
    )
  if (!d) return card(h('p', {}, 'Nothing is deployed here yet: promote a version to start.'))
  const short = (digest) => (digest ? ` (bundle ${digest.slice(0, 12)}…)` : '')
  const reason = h('textarea', { id: uid('reason'), rows: 2, required: true, minlength: 3 })
  const share = h('input', {
    id: uid('share'),
    type: 'number',
    min: 0.01,
    max: 0.99,
    step: 0.01,
    value: d.canaryShare || '',
  })
  const shadow = h(
    'select',
    { id: uid('shadow') },
    versions.map((v) =>
      h('option', { value: v.version, selected: v.version === d.shadowVersion }, v.version)
    )
  )
  const path = modelPath(model)
  const change = (title, method, url, body, action) => async () => {
    const why = reason.value.trim()
    if (why.length < 3) {
      fill(msg, problem('Say why first: a reason of at least 3 characters.'))
      return reason.focus()
    }
    const b = body()
    if (typeof b === 'string') return fill(msg, problem(b))
    if (
      !(await confirmDialog(
        title,
        [h('p', {}, `Channel ${ch} of ${model}.`), h('p', {}, 'Reason: ', h('q', {}, why))],
        action
      ))
    )
      return
    try {
      await api(method, url, { body: { ...b, reason: why } })
      await hooks.render()
      flash(`${title.replace(/\?$/, '')}: done.`)
    } catch (e) {
      fill(msg, errorBox(e))
    }
  }
  const hasCanary = Boolean(d.canaryVersion)
  return card(
    h(
      'dl',
      {},
      h('dt', {}, 'Champion'),
      h('dd', {}, d.championVersion ? `v${d.championVersion}${short(d.championBundle)}` : 'none'),
      h('dt', {}, 'Canary'),
      h(
        'dd',
        {},
        hasCanary
          ? `v${d.canaryVersion} at ${pct(d.canaryShare)} of traffic`
          : 'none (start one from Promote, with a canary share)'
      ),
      h('dt', {}, 'Shadow'),
      h('dd', {}, d.shadowVersion ? `v${d.shadowVersion} (scored, never returned)` : 'none'),
      h('dt', {}, 'Revision'),
      h('dd', {}, `${d.revision}, by ${d.updatedBy} at `, time(d.updatedAt))
    ),
    field('Reason for a change', reason, 'Required for every change below; audited.'),
    h(
      'div',
      { class: 'row' },
      field('Canary share', share),
      h(
        'button',
        {
          type: 'button',
          disabled: !hasCanary,
          onclick: change(
            'Change the canary share?',
            'PUT',
            `${path}/deployments/${ch}/canary`,
            () => {
              const x = Number(share.value)
              return share.value.trim() !== '' && x > 0 && x < 1
                ? { share: x }
                : 'A canary share is above 0 and below 1 (Stop canary sets it to 0).'
            },
            'Change share'
          ),
        },
        'Set share'
      ),
      h(
        'button',
        {
          type: 'button',
          disabled: !hasCanary,
          onclick: change(
            'Stop the canary?',
            'PUT',
            `${path}/deployments/${ch}/canary`,
            () => ({ share: 0 }),
            'Stop canary'
          ),
        },
        'Stop canary'
      )
    ),
    h(
      'div',
      { class: 'row' },
      field('Shadow version', shadow),
      h(
        'button',
        {
          type: 'button',
          onclick: change(
            'Set the shadow version?',
            'PUT',
            `${path}/deployments/${ch}/shadow`,
            () => ({ version: shadow.value }),
            'Set shadow'
          ),
        },
        'Set shadow'
      ),
      h(
        'button',
        {
          type: 'button',
          disabled: !d.shadowVersion,
          onclick: change(
            'Stop the shadow?',
            'PUT',
            `${path}/deployments/${ch}/shadow`,
            () => ({ version: null }),
            'Stop shadow'
          ),
        },
        'Stop shadow'
      )
    ),
    h(
      'p',
      {},
      h(
        'button',
        {
          type: 'button',
          class: 'danger',
          disabled: !d.championVersion,
          onclick: change(
            `Roll back ${ch} to the previous champion?`,
            'POST',
            `${path}/rollbacks`,
            () => ({ channel: ch }),
            'Roll back'
          ),
        },
        'Roll back…'
      )
    ),
    msg
  )
}

function historyTable(rows) {
  const cols = ['Time', 'Channel', 'Revision', 'Change', 'By', 'Champion', 'Canary', 'Shadow']
  return table(
    'history',
    'Recent changes, newest first',
    cols,
    rows.length === 0 ? h('tr', {}, h('td', { colspan: cols.length }, 'No changes yet.')) : null,
    rows.map((r) =>
      h(
        'tr',
        {},
        h('td', {}, time(r.createdAt)),
        h('td', {}, r.channel),
        h('td', {}, String(r.revision)),
        h('td', {}, r.cause),
        h('td', {}, r.createdBy),
        h('td', {}, r.championVersion ?? '—'),
        h('td', {}, r.canaryVersion ? `${r.canaryVersion} (${pct(r.canaryShare)})` : '—'),
        h('td', {}, r.shadowVersion ?? '—')
      )
    )
  )
}
