// <fcv-customer-value>: scores the customer whose history the page gives it (the `history` property
// or a <script type="application/json"> child), on the device, and tells the page: a fcv:prediction
// event, and unless mode="hidden" an accessible badge (tier, value or band). A failure is a
// fcv:error event and the neutral state; nothing is thrown at the page.

import { WidgetError, errorDetail, type WidgetErrorDetail } from './errors.ts'
import { historyFromScript } from './history.ts'
import { loadModel, type ModelInfo, type WidgetModel, type WidgetScore } from './model.ts'
import { badgeStyles } from './styles.ts'
import { parseTiers, tierOf, type Tier } from './tiers.ts'

export interface PredictionEventDetail extends WidgetScore {
  model: ModelInfo
  tier: string | null
}

declare global {
  interface HTMLElementTagNameMap {
    'fcv-customer-value': FcvCustomerValue
  }
  interface HTMLElementEventMap {
    'fcv:prediction': CustomEvent<PredictionEventDetail>
    'fcv:error': CustomEvent<WidgetErrorDetail>
  }
}

const ATTRIBUTES = [
  'bundle-url',
  'trusted-keys',
  'as-of',
  'mode',
  'display',
  'tiers',
  'label',
  'locale',
  'telemetry',
  'max-bundle-bytes',
] as const

// One load per configuration, shared by every element on the page; a failed one is forgotten.
const models = new Map<string, Promise<WidgetModel>>()

function modelFor(url: string, keys: string, maxBytes: number | undefined, telemetry: boolean) {
  const key = [url, keys, maxBytes, telemetry].join('\n')
  let model = models.get(key)
  if (!model) {
    model = loadModel({
      bundleUrl: url,
      trustedKeys: keys,
      telemetry,
      ...(maxBytes === undefined ? {} : { maxBundleBytes: maxBytes }),
    })
    models.set(key, model)
    model.catch(() => models.delete(key))
  }
  return model
}

export class FcvCustomerValue extends HTMLElement {
  static observedAttributes = ATTRIBUTES

  /** Defines the element (by default as fcv-customer-value); safe to call more than once. */
  static define(tag = 'fcv-customer-value', registry: CustomElementRegistry = customElements) {
    if (!registry.get(tag)) registry.define(tag, this)
  }

  #history: unknown
  #run = 0
  #queued = false
  #waiting: MutationObserver | null = null
  #parts: Record<'badge' | 'label' | 'tier' | 'value', HTMLElement>
  /** The last score shown, or null. */
  prediction: PredictionEventDetail | null = null

  constructor() {
    super()
    const root = this.attachShadow({ mode: 'open' })
    root.adoptedStyleSheets = [badgeStyles()]
    const part = (name: string, tag = 'span') => {
      const el = document.createElement(tag)
      el.setAttribute('part', name)
      return el
    }
    const badge = part('badge')
    badge.setAttribute('role', 'status')
    const label = part('label')
    const tier = part('tier')
    const value = part('value')
    badge.append(label, tier, value)
    root.append(badge)
    this.#parts = { badge, label, tier, value }
    this.#show('loading')
  }

  /** The customer's history: { customerId, transactions }. Setting it scores again. */
  get history(): unknown {
    return this.#history
  }
  set history(value: unknown) {
    this.#history = value
    this.#schedule()
  }

  get bundleUrl(): string {
    return this.getAttribute('bundle-url') ?? ''
  }
  set bundleUrl(v: string) {
    this.setAttribute('bundle-url', v)
  }
  get trustedKeys(): string {
    return this.getAttribute('trusted-keys') ?? ''
  }
  set trustedKeys(v: string) {
    this.setAttribute('trusted-keys', v)
  }
  get mode(): 'badge' | 'hidden' {
    return this.getAttribute('mode') === 'hidden' ? 'hidden' : 'badge'
  }
  set mode(v: 'badge' | 'hidden') {
    this.setAttribute('mode', v)
  }

  connectedCallback(): void {
    // A page may set `history` before this script upgrades the element (an async script tag): that
    // value is an own property hiding the accessor; move it behind the accessor.
    if (Object.hasOwn(this, 'history')) {
      const value = (this as { history?: unknown }).history
      delete (this as { history?: unknown }).history
      this.history = value
    }
    this.#schedule()
  }

  disconnectedCallback(): void {
    this.#waiting?.disconnect()
    this.#waiting = null
  }

  attributeChangedCallback(): void {
    if (this.isConnected) this.#schedule()
  }

  /** One update per task, however many attributes and properties changed in it. */
  #schedule(): void {
    if (this.#queued) return
    this.#queued = true
    queueMicrotask(() => {
      this.#queued = false
      if (this.isConnected) void this.#update()
    })
  }

  async #update(): Promise<void> {
    const run = ++this.#run
    try {
      const url = this.bundleUrl
      const max = this.getAttribute('max-bundle-bytes')
      // The model loads as soon as the element knows where from, in parallel with the history.
      const loading =
        url &&
        modelFor(
          url,
          this.trustedKeys,
          max === null ? undefined : Number(max),
          this.getAttribute('telemetry') !== 'off'
        )
      const history = this.#history ?? historyFromScript(this)
      if (history === undefined) {
        if (loading) loading.catch(() => {}) // reported once there is something to score
        return this.#waitForScript()
      }
      if (!loading) throw new WidgetError('config', "bundle-url: give the Worker's /v1/bundle URL")
      const tiers = parseTiers(this.getAttribute('tiers'))
      if (!this.prediction) this.#show('loading')
      // The first Intl.NumberFormat of a page loads the locale's data (tens of ms): while the
      // bundle is on its way, not after.
      if (this.mode === 'badge') this.#money('XXX')
      const model = await loading
      if (run !== this.#run) return
      if (model.problem) this.#emit('fcv:error', model.problem)
      const asOf = this.getAttribute('as-of') ?? undefined
      const score = model.score(history as never, asOf === undefined ? {} : { asOf })
      const tier = tierOf(tiers, score.prediction.expected)
      const variant = score.prediction.variant
      const info = variant === 'canary' && model.canary ? model.canary : model.champion
      const detail: PredictionEventDetail = {
        ...score,
        model: { name: info.name, version: info.version, digest: info.digest, keyId: info.keyId },
        tier: tier?.label ?? null,
      }
      this.prediction = detail
      this.#render(detail, tier)
      this.#emit('fcv:prediction', detail)
    } catch (e) {
      if (run !== this.#run) return
      this.prediction = null
      this.#show('neutral')
      this.#emit('fcv:error', errorDetail(e))
    }
  }

  /** With `async` the script can run before the parser reaches the element's JSON child. */
  #waitForScript(): void {
    if (this.#waiting) return
    this.#waiting = new MutationObserver(() => {
      if (historyFromScriptOrNull(this) === undefined) return
      this.#waiting?.disconnect()
      this.#waiting = null
      this.#schedule()
    })
    this.#waiting.observe(this, { childList: true, subtree: true, characterData: true })
  }

  #render(d: PredictionEventDetail, tier: Tier | null): void {
    const { label, tier: tierPart, value } = this.#parts
    const money = this.#money(d.currency)
    const p = d.prediction
    const display = this.getAttribute('display') ?? 'value'
    const shown =
      display === 'band'
        ? `${money.format(p.p10)}–${money.format(p.p90)}`
        : display === 'tier' && tier
          ? ''
          : money.format(p.expected)
    label.textContent = this.getAttribute('label') ?? `Next ${d.horizonDays} days`
    tierPart.textContent = tier?.label ?? ''
    value.textContent = shown
    this.#parts.badge.setAttribute(
      'aria-label',
      `${label.textContent}: ${[tier?.label, shown].filter(Boolean).join(', ')}`
    )
    this.#show('ready')
  }

  #money(currency: string): Intl.NumberFormat {
    return new Intl.NumberFormat(this.getAttribute('locale') ?? undefined, {
      style: 'currency',
      currency,
      maximumFractionDigits: 0,
    })
  }

  #show(state: 'loading' | 'ready' | 'neutral'): void {
    const { badge, label, tier, value } = this.#parts
    badge.dataset['state'] = state
    if (state === 'ready') return
    label.textContent = this.getAttribute('label') ?? 'Customer value'
    tier.textContent = ''
    value.textContent = ''
    badge.setAttribute(
      'aria-label',
      state === 'loading' ? 'Customer value: loading' : 'Customer value: not available'
    )
  }

  #emit<K extends 'fcv:prediction' | 'fcv:error'>(
    type: K,
    detail: HTMLElementEventMap[K]['detail']
  ) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }))
  }
}

function historyFromScriptOrNull(host: Element): unknown {
  try {
    return historyFromScript(host)
  } catch {
    return null // not JSON yet (still streaming in) or never: the update reports it
  }
}
