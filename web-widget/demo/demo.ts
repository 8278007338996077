// The demo shop's own script: picks a customer from the exported sample (customers.json), hands
// their history to <fcv-customer-value>, and adapts the page to the fcv:prediction event. The
// widget's attributes (the Worker's bundle URL, the trusted key) are in the page as a storefront
// would write them (the demo server fills them in: serve.ts).

import type { PredictionEventDetail, WidgetErrorDetail } from '../src/index.ts'

interface DemoCustomer {
  customerId: string
  label: string
  transactions: unknown[]
}
interface Customers {
  asOf: string
  customers: DemoCustomer[]
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T

const PERKS: Record<string, [string, string, string]> = {
  Gold: [
    'Gold member',
    'Free next-day delivery on everything',
    'A thank-you from our workshop: your orders ship first this season.',
  ],
  Silver: [
    'Silver member',
    '15% off the new autumn range',
    'Pick anything from the new range; the discount is already in your basket.',
  ],
  Member: [
    'Welcome back',
    'Handmade homeware, shipped from Somerset',
    'Free delivery on your next order over £40.',
  ],
}

async function main(): Promise<void> {
  const data = (await fetch('/customers.json').then((r) => r.json())) as Customers
  const el = $('value')
  const select = $<HTMLSelectElement>('customer')
  for (const c of data.customers) select.add(new Option(c.label, c.customerId))
  // ?pick=<n> opens the shop as the n-th customer (an index: ids stay out of URLs and logs).
  const wanted = data.customers[Number(new URLSearchParams(location.search).get('pick'))]
  if (wanted) select.value = wanted.customerId

  el.addEventListener('fcv:prediction', (e) => show(e.detail))
  el.addEventListener('fcv:error', (e) => fail(e.detail))
  // The widget may have scored before this script ran (it does not wait for the page's scripts):
  // its last score is on the element.
  const scored = (el as HTMLElement & { prediction?: PredictionEventDetail | null }).prediction
  if (scored) show(scored)
  const pick = () => {
    const customer = data.customers.find((c) => c.customerId === select.value)!
    ;(el as HTMLElement & { history: unknown }).history = {
      customerId: customer.customerId,
      transactions: customer.transactions,
    }
  }
  // The page came with the signed-in customer's history in the element (serve.ts); switching
  // customers hands the element another one.
  select.addEventListener('change', pick)
}

function show(d: PredictionEventDetail): void {
  const money = new Intl.NumberFormat(undefined, { style: 'currency', currency: d.currency })
  const p = d.prediction
  const [eyebrow, title, text] = PERKS[d.tier ?? 'Member'] ?? PERKS['Member']!
  const perk = $('perk')
  perk.dataset['tier'] = d.tier ?? 'none'
  $('perk-eyebrow').textContent = eyebrow
  $('perk-title').textContent = title
  $('perk-text').textContent = text
  $('fact-expected').textContent = money.format(p.expected)
  $('fact-pbuy').textContent = `${Math.round(p.pBuy * 100)}%`
  $('fact-band').textContent = `${money.format(p.p10)} – ${money.format(p.p90)}`
  $('fact-model').textContent = `${d.model.name} v${d.model.version} (${p.variant})`
  log(`fcv:prediction  model v${d.model.version}, tier ${d.tier ?? '—'}`)
}

function fail(d: WidgetErrorDetail): void {
  $('perk-text').textContent = 'Free delivery on your next order over £40.'
  log(`fcv:error  ${d.code}${d.reason ? ` (${d.reason})` : ''}: ${d.message}`)
}

function log(line: string): void {
  const item = document.createElement('li')
  item.textContent = `${new Date().toLocaleTimeString()}  ${line}`
  $('log').prepend(item)
}

void main()
