/* global document, window, location */
// fcv admin pages: vanilla ES modules, no framework, no build step. They call the control plane's
// JSON API with the token the user signs in with. The token lives in this tab's sessionStorage
// only: never in a URL, a cookie or the page. This module signs in and out and routes (#view).

import { viewAudit } from './audit.js'
import { viewDeployments } from './deployments.js'
import { viewFleet } from './fleet.js'
import {
  $,
  api,
  choose,
  describe,
  errorBox,
  field,
  fill,
  flash,
  h,
  hooks,
  setModels,
  state,
  TOKEN,
} from './lib.js'
import { viewModels } from './models.js'
import { viewPromote } from './promote.js'

const main = $('main')
let seq = 0

function showSignIn(message) {
  $('top').hidden = true
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
  })
  const error = h('p', { class: 'error', role: 'alert', hidden: !message }, message ?? '')
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in')
  const form = h(
    'form',
    { class: 'signin', novalidate: true },
    h('h1', { tabindex: -1 }, 'Sign in'),
    field(
      'API token',
      input,
      'An fcv token (fcv tokens create) or the bootstrap admin token. It stays in this tab until you sign out or close it, and is sent only to this control plane.'
    ),
    h('p', {}, button),
    error
  )
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault()
    const token = input.value.trim()
    error.hidden = false
    if (!token) return (error.textContent = 'Paste a token first.')
    error.textContent = ''
    button.disabled = true
    try {
      const { body } = await api('GET', '/v1/models', { token })
      sessionStorage.setItem(TOKEN, token)
      setModels(body.models)
      flash('Signed in.')
      await render()
    } catch (e) {
      error.textContent =
        e.status === 401
          ? 'This token is not valid: it is unknown or revoked (401).'
          : e.status === 403
            ? `This token may not read the registry (403): reporter tokens only send telemetry. Use a viewer, publisher or admin token.`
            : describe(e)
      input.select()
    } finally {
      button.disabled = false
    }
  })
  fill(main, form)
  input.focus()
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN)
  state.models = []
  seq++
  flash(message ?? 'Signed out.')
  showSignIn()
}

const VIEWS = {
  models: viewModels,
  promote: viewPromote,
  deployments: viewDeployments,
  fleet: viewFleet,
  audit: viewAudit,
}

async function render() {
  if (!sessionStorage.getItem(TOKEN)) return showSignIn()
  $('top').hidden = false
  const [name, query = ''] = location.hash.slice(1).split('?')
  const view = Object.hasOwn(VIEWS, name) ? name : 'models'
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.view === view) a.setAttribute('aria-current', 'page')
    else a.removeAttribute('aria-current')
  }
  const mine = ++seq
  try {
    const nodes = await VIEWS[view](new URLSearchParams(query))
    if (mine !== seq) return
    fill(main, nodes)
    main.querySelector('h1')?.focus()
  } catch (e) {
    if (mine === seq && sessionStorage.getItem(TOKEN)) fill(main, errorBox(e))
  }
}

window.addEventListener('hashchange', () => {
  flash('')
  render()
})
$('sign-out').addEventListener('click', () => signOut('Signed out: the token is forgotten.'))
$('model-select').addEventListener('change', (ev) => {
  choose(ev.target.value)
  render()
})
hooks.render = render
hooks.signOut = signOut
render()
