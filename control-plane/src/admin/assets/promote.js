// Promote: version, channel, reason, optional canary share and force; the gate inputs first, a
// confirmation, then the server's gate table (409) or the result. One Idempotency-Key per
// confirmed attempt, reused when that attempt is retried.

import {
  api,
  byVersion,
  CHANNELS,
  compare,
  confirmDialog,
  currentModel,
  errorBox,
  field,
  fill,
  fmt,
  h,
  loadModels,
  modelPath,
  newKey,
  pct,
  problem,
  signed,
} from './lib.js'

function gateTable(gates, caption) {
  return h(
    'table',
    { class: 'gates' },
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Gate', 'Result', 'Value', 'Threshold', 'Detail'].map((t) => h('th', { scope: 'col' }, t))
      )
    ),
    h(
      'tbody',
      {},
      gates.map((g) =>
        h(
          'tr',
          { class: g.passed ? 'pass' : 'fail', 'data-gate': g.gate },
          h('th', { scope: 'row' }, g.gate),
          h('td', {}, g.passed ? '✓ passed' : '✗ failed'),
          h('td', {}, fmt(g.value, 6)),
          h('td', {}, g.threshold),
          h('td', {}, g.detail)
        )
      )
    )
  )
}

export async function viewPromote(params) {
  await loadModels()
  const m = currentModel()
  const heading = h('h1', { tabindex: -1 }, 'Promote a version')
  if (!m)
    return [heading, h('p', {}, 'No model is mirrored yet: sync one on the Models page first.')]
  const { body: dep } = await api('GET', `${modelPath(m.name)}/deployments`)
  const versions = [...m.versions].sort(byVersion).reverse()
  const want = params.get('version')
  const version = h(
    'select',
    { id: 'p-version', name: 'version' },
    versions.map((v) =>
      h(
        'option',
        { value: v.version, selected: v.version === want },
        `${v.version}${v.aliases.length ? ` (${v.aliases.join(', ')})` : ''}`
      )
    )
  )
  const channel = h(
    'select',
    { id: 'p-channel', name: 'channel' },
    CHANNELS.map((c) => h('option', { value: c }, c))
  )
  const reason = h('textarea', {
    id: 'p-reason',
    name: 'reason',
    rows: 2,
    required: true,
    minlength: 3,
    maxlength: 2000,
  })
  const share = h('input', {
    id: 'p-share',
    name: 'canaryShare',
    type: 'number',
    min: 0.01,
    max: 0.99,
    step: 0.01,
  })
  const force = h('input', { id: 'p-force', name: 'force', type: 'checkbox' })
  const forceWarning = h(
    'p',
    { class: 'warning', hidden: true },
    'Force promotes even if gates fail. It is audited as promotion.forced with your name and reason: say why the gates do not apply.'
  )
  force.addEventListener('change', () => (forceWarning.hidden = !force.checked))
  const inputs = h('div', { class: 'preview', 'aria-live': 'polite' })
  const result = h('div', { class: 'result' })
  let asked = 0
  const preview = async () => {
    const v = m.versions.find((x) => x.version === version.value)
    if (!v) return fill(inputs, null)
    const mine = ++asked
    const shown = gateInputs(v, channel.value, dep.deployments)
    fill(inputs, ...shown, h('p', { class: 'busy' }, 'Asking the server for the gate table…'))
    // The server's own gate table (a dry run: nothing changes); the last answer asked for wins.
    try {
      const { body: g } = await api(
        'GET',
        `${modelPath(m.name)}/versions/${encodeURIComponent(v.version)}/gates?channel=${encodeURIComponent(channel.value)}`
      )
      if (mine !== asked) return
      fill(
        inputs,
        ...shown,
        gateTable(
          g.gates,
          `Gates for version ${v.version} on ${channel.value} now: ${g.passed ? 'all pass' : 'some fail'}`
        )
      )
    } catch (e) {
      if (mine === asked) fill(inputs, ...shown, errorBox(e))
    }
  }
  version.addEventListener('change', preview)
  channel.addEventListener('change', preview)
  await preview()

  const form = h(
    'form',
    { class: 'promote', novalidate: true },
    h('p', {}, 'Model ', h('strong', {}, m.name)),
    field('Version', version),
    field('Channel', channel),
    field('Reason', reason, 'Required; it goes to the audit log.'),
    field(
      'Canary share (optional)',
      share,
      'Empty: the version becomes the champion. 0.01–0.99: it becomes the canary with that share of traffic.'
    ),
    h(
      'p',
      { class: 'field check' },
      force,
      h('label', { for: 'p-force' }, 'Force: promote even if gates fail')
    ),
    forceWarning,
    h('p', {}, h('button', { type: 'submit', class: 'primary' }, 'Review and promote…'))
  )
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault()
    const body = { version: version.value, channel: channel.value, reason: reason.value.trim() }
    const problems = []
    if (body.reason.length < 3) problems.push('Say why (a reason of at least 3 characters).')
    if (share.value.trim() !== '') {
      const x = Number(share.value)
      if (!(x > 0 && x < 1)) problems.push('A canary share is above 0 and below 1.')
      else body.canaryShare = x
    }
    if (force.checked) body.force = true
    if (problems.length) return fill(result, problem(problems.join(' ')))
    const role = body.canaryShare === undefined ? 'champion' : `canary at ${pct(body.canaryShare)}`
    const ok = await confirmDialog(
      `Promote version ${body.version} of ${m.name}?`,
      [
        h(
          'p',
          {},
          `On channel ${body.channel}, as ${role}. The server evaluates the gates first; a failed gate refuses the promotion.`
        ),
        h('p', {}, 'Reason: ', h('q', {}, body.reason)),
        body.force
          ? h(
              'p',
              { class: 'warning' },
              'Forced: failed gates will be overridden, and the audit log will say so.'
            )
          : null,
      ],
      body.force ? 'Force promote' : 'Promote'
    )
    if (ok) await attempt(m.name, { body, key: newKey() }, result)
  })
  return [
    heading,
    h('div', { class: 'split' }, form, h('section', { 'aria-label': 'Gate inputs' }, inputs)),
    result,
  ]
}

/** What the gates will read: the version's evaluation, and which champion it was scored against. */
function gateInputs(v, channel, deployments) {
  const c = compare(v, channel)
  const champion = deployments.find((d) => d.channel === channel)?.championVersion ?? null
  const row = (name, mine, theirs, d) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, name),
      h('td', {}, mine),
      h('td', {}, theirs),
      h('td', {}, d)
    )
  const note = !champion
    ? `Channel ${channel} has no champion yet: the champion comparisons have nothing to compare.`
    : c.against === champion
      ? `Version ${v.version} was evaluated against v${champion}, the champion on ${channel}.`
      : `Version ${v.version} was evaluated against ${c.against ? `v${c.against}` : 'no champion'} as the ${channel} champion, but the champion on ${channel} is v${champion}: the champion gates will fail until the pipeline re-runs against it.`
  const vs = c.against ? ` v${c.against}` : ''
  return [
    h('h2', {}, 'Gate inputs'),
    h('p', { class: champion && c.against !== champion ? 'warning' : 'muted' }, note),
    h(
      'table',
      { class: 'inputs' },
      h(
        'caption',
        {},
        `Version ${v.version}’s evaluation. The server holds these against its configured thresholds when you confirm.`
      ),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Measure', 'This version', 'Compared with', 'Difference'].map((t) =>
            h('th', { scope: 'col' }, t)
          )
        )
      ),
      h(
        'tbody',
        {},
        row(`Gini vs champion${vs}`, fmt(c.gini), fmt(c.cGini), signed(c.dGini)),
        row(
          `RMSE vs champion${vs}`,
          fmt(c.rmse),
          fmt(c.cRmse),
          c.dRmse === null
            ? '—'
            : `${c.dRmse > 0 ? '+' : c.dRmse < 0 ? '−' : '±'}${pct(Math.abs(c.dRmse))}`
        ),
        row(
          'Gini vs last-90-days baseline',
          fmt(c.gini),
          fmt(c.baseline),
          c.gini !== null && c.baseline !== null ? signed(c.gini - c.baseline) : '—'
        ),
        row(
          'Sum ratio',
          fmt(c.sumRatio),
          '1 (unbiased)',
          c.sumRatio === null ? '—' : signed(c.sumRatio - 1)
        ),
        row('Feature spec', c.spec ?? '—', 'supported by edge and widget', ''),
        row(
          'Calibrated window',
          v.calibratedWindow
            ? `[${v.calibratedWindow.from}, ${v.calibratedWindow.to})`
            : 'none recorded',
          'ends after today',
          v.calibratedWindow ? '' : 'not checked'
        )
      )
    ),
  ]
}

/** One confirmed attempt; a retry resends the same body with the same Idempotency-Key. */
async function attempt(model, a, out) {
  fill(out, h('p', { class: 'busy', role: 'status' }, `Promoting version ${a.body.version}…`))
  try {
    const { body: r, headers } = await api('POST', `${modelPath(model)}/promotions`, {
      body: a.body,
      headers: { 'idempotency-key': a.key },
    })
    const replayed = headers.get('idempotent-replayed') === 'true'
    fill(
      out,
      h('h2', { class: 'ok', tabindex: -1 }, 'Promoted'),
      h(
        'p',
        { class: 'success', role: 'status' },
        `Promoted version ${r.version} of ${r.model} to ${r.channel} as ${r.role}${r.role === 'canary' ? ` (${pct(r.deployment.after.canaryShare)})` : ''}; deployment revision ${r.deployment.revision}.`
      ),
      r.forced
        ? h('p', { class: 'warning' }, 'Forced: gates failed and were overridden (audited).')
        : null,
      replayed
        ? h(
            'p',
            { class: 'muted' },
            'Replayed: this attempt had already succeeded, nothing ran twice.'
          )
        : null,
      h(
        'p',
        { class: 'muted mono' },
        `bundle sha256:${r.bundle.digest} · key ${r.bundle.keyId} · promotion ${r.promotionId}`
      ),
      gateTable(r.gates, 'Gates at promotion')
    )
    out.firstChild.focus()
  } catch (e) {
    const windowPassed = e.code === 'calibrated_window_passed'
    if ((e.code === 'gates_failed' || windowPassed) && Array.isArray(e.details?.gates)) {
      fill(
        out,
        h(
          'h2',
          { class: 'bad', tabindex: -1 },
          windowPassed ? 'Refused: its calibrated window has ended' : 'Refused: gates failed'
        ),
        problem(e.message),
        gateTable(
          e.details.gates,
          `Gates for version ${a.body.version} on ${a.body.channel} (failed gates highlighted)`
        ),
        h(
          'p',
          { class: 'muted' },
          'Re-run the pipeline with a better candidate, or tick Force with a reason to override (audited).'
        )
      )
      out.firstChild.focus()
      return
    }
    const retryable = e.status === 0 || e.status >= 500 || e.code === 'promotion_in_progress'
    fill(
      out,
      errorBox(e),
      retryable
        ? h(
            'p',
            {},
            h(
              'button',
              { type: 'button', onclick: () => attempt(model, a, out) },
              'Retry this attempt'
            ),
            h(
              'span',
              { class: 'hint' },
              ` Same Idempotency-Key (${a.key}): a retry resumes or replays it, never runs it twice.`
            )
          )
        : null
    )
  }
}
