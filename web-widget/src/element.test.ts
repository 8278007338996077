import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { FcvCustomerValue, type PredictionEventDetail } from './element.ts'
import type { WidgetErrorDetail } from './errors.ts'
import { fakeEdge, newSigner, type FakeEdge, type Signer } from './test-bundle.ts'

let signer: Signer
let edge: FakeEdge
const asOf = '2011-06-01T00:00:00.000Z'
const day = 86_400_000
const history = {
  customerId: 'c-uk',
  transactions: [
    { timestamp: Date.parse(asOf) - 200 * day, amountMinor: 45_000, orderId: 'o1' },
    { timestamp: Date.parse(asOf) - 40 * day, amountMinor: 120_000, orderId: 'o2' },
  ],
}

beforeAll(async () => {
  signer = await newSigner()
  edge = fakeEdge()
  edge.champion = await signer.sign('7')
  vi.stubGlobal('fetch', edge.fetch)
  FcvCustomerValue.define()
})
afterEach(() => {
  document.body.replaceChildren()
})

let n = 0
/** An element on its own bundle URL (each test its own model load), waiting for its first event. */
function mount(attrs: Record<string, string> = {}, child?: string) {
  const el = document.createElement('fcv-customer-value')
  el.setAttribute('bundle-url', `https://edge${++n}.test/v1/bundle`)
  el.setAttribute('trusted-keys', signer.trustedKeys)
  el.setAttribute('as-of', asOf)
  el.setAttribute('telemetry', 'off')
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v)
  if (child !== undefined) {
    const script = document.createElement('script')
    script.type = 'application/json'
    script.textContent = child
    el.append(script)
  }
  const event = new Promise<CustomEvent>((resolve) => {
    el.addEventListener('fcv:prediction', resolve, { once: true })
    el.addEventListener('fcv:error', resolve, { once: true })
  })
  document.body.append(el)
  return { el, event }
}

const part = (el: Element, name: string) =>
  el.shadowRoot!.querySelector(`[part~="${name}"]`) as HTMLElement

describe('<fcv-customer-value>', () => {
  it('define() is safe to call twice', () => {
    FcvCustomerValue.define()
    expect(customElements.get('fcv-customer-value')).toBe(FcvCustomerValue)
  })

  it('scores the history in its JSON child, tells the page and shows an accessible badge', async () => {
    const { el, event } = mount({ tiers: '0:Member,150:Silver,600:Gold' }, JSON.stringify(history))
    const e = (await event) as CustomEvent<PredictionEventDetail>
    expect(e.type).toBe('fcv:prediction')
    expect(e.bubbles && e.composed).toBe(true)
    expect(e.detail).toMatchObject({
      asOf,
      currency: 'GBP',
      model: { name: 'fcv-customer-value', version: '7' },
      prediction: { customerId: 'c-uk', modelVersion: '7', variant: 'champion' },
    })
    expect(el.prediction).toBe(e.detail)
    const tier =
      e.detail.prediction.expected >= 600
        ? 'Gold'
        : e.detail.prediction.expected >= 150
          ? 'Silver'
          : 'Member'
    expect(e.detail.tier).toBe(tier)
    expect(part(el, 'tier').textContent).toBe(tier)
    expect(part(el, 'value').textContent).toBe(
      new Intl.NumberFormat(undefined, {
        style: 'currency',
        currency: 'GBP',
        maximumFractionDigits: 0,
      }).format(e.detail.prediction.expected)
    )
    expect(part(el, 'badge').getAttribute('role')).toBe('status')
    expect(part(el, 'badge').getAttribute('aria-label')).toContain(tier)
    expect(part(el, 'badge').dataset['state']).toBe('ready')
  })

  it('takes the history property (set before or after it is connected) and scores again on change', async () => {
    const { el, event } = mount()
    el.history = history
    expect(((await event) as CustomEvent<PredictionEventDetail>).detail.prediction.customerId).toBe(
      'c-uk'
    )
    const again = new Promise<CustomEvent<PredictionEventDetail>>((r) =>
      el.addEventListener('fcv:prediction', r, { once: true })
    )
    el.history = { ...history, customerId: 'c-other' }
    expect((await again).detail.prediction.customerId).toBe('c-other')
  })

  it('shows a band of P10 to P90 with display="band"', async () => {
    const { el, event } = mount({ display: 'band' }, JSON.stringify(history))
    const { prediction } = ((await event) as CustomEvent<PredictionEventDetail>).detail
    const money = new Intl.NumberFormat(undefined, {
      style: 'currency',
      currency: 'GBP',
      maximumFractionDigits: 0,
    })
    expect(part(el, 'value').textContent).toBe(
      `${money.format(prediction.p10)}–${money.format(prediction.p90)}`
    )
  })

  it('a bad history: fcv:error naming the field, the neutral state, nothing thrown', async () => {
    const bad = { customerId: 'c1', transactions: [{ timestamp: 'yesterday', amountMinor: 1 }] }
    const { el, event } = mount({}, JSON.stringify(bad))
    const e = (await event) as CustomEvent<WidgetErrorDetail>
    expect(e.type).toBe('fcv:error')
    expect(e.detail).toMatchObject({
      code: 'invalid_history',
      field: 'history.transactions[0].timestamp',
    })
    expect(part(el, 'badge').dataset['state']).toBe('neutral')
    expect(el.prediction).toBeNull()
  })

  it('a child that is not JSON, and tiers that do not parse: fcv:error', async () => {
    const a = mount({}, '{"customerId": ')
    expect(((await a.event) as CustomEvent<WidgetErrorDetail>).detail.code).toBe('invalid_history')
    const b = mount({ tiers: 'gold' }, JSON.stringify(history))
    expect(((await b.event) as CustomEvent<WidgetErrorDetail>).detail).toMatchObject({
      code: 'config',
      message: expect.stringContaining('tiers'),
    })
  })

  it('an unreachable Worker and an oversized bundle: fcv:error, the neutral state', async () => {
    edge.down = true
    try {
      const { el, event } = mount({}, JSON.stringify(history))
      expect(((await event) as CustomEvent<WidgetErrorDetail>).detail.code).toBe(
        'bundle_unreachable'
      )
      expect(part(el, 'badge').dataset['state']).toBe('neutral')
    } finally {
      edge.down = false
    }
    const big = mount({ 'max-bundle-bytes': '1024' }, JSON.stringify(history))
    expect(((await big.event) as CustomEvent<WidgetErrorDetail>).detail).toMatchObject({
      code: 'bundle_too_large',
      message: expect.stringContaining('max-bundle-bytes is 1024'),
    })
  })

  it('mode="hidden": no badge, the event all the same', async () => {
    const { el, event } = mount({ mode: 'hidden' }, JSON.stringify(history))
    expect(((await event) as CustomEvent).type).toBe('fcv:prediction')
    expect(el.mode).toBe('hidden')
  })

  it('a bundle it cannot verify: fcv:error bundle_refused', async () => {
    const { event } = mount(
      { 'trusted-keys': (await newSigner()).trustedKeys },
      JSON.stringify(history)
    )
    expect(((await event) as CustomEvent<WidgetErrorDetail>).detail).toMatchObject({
      code: 'bundle_refused',
      reason: 'unknown-key',
    })
  })
})
