import type { Calendar } from './calendar.ts'
import {
  Countries,
  Quantities,
  UNITED_KINGDOM,
  formatPence,
  packMultiplier,
  makeCatalogue,
  type Catalogue,
} from './catalogue.ts'
import { Customers, MODEL } from './customers.ts'
import { EventQueue } from './event-queue.ts'
import { NON_PRODUCT, RETURN, ZERO_PRICE, type LogWriter } from './log-writer.ts'
import type { RegimeParams } from './regime.ts'
import type { Random } from '@fcv/core'

/** A partial return waiting for its day: which lines of which customer's order come back. */
interface PendingReturn {
  readonly customer: number
  readonly products: number[]
  readonly quantities: number[]
  readonly prices: number[]
}
type PendingEvent = PendingReturn | 'guest'

/** Notes that the real log carries on zero-price stock adjustments. */
const ADJUSTMENT_NOTES = ['?', 'damaged', 'check', 'missing', 'sold as set on dotcom', '']
const MAX_LINES = 500
const FIRST_INVOICE = 100_000

/**
 * The event loop: customer births, customers' orders, and one-shot events (guest orders, later
 * returns) come off one queue in time order; each becomes an invoice of rows.
 */
export class Simulation {
  readonly customers: Customers
  invoices = { sales: 0, returns: 0 }
  /** Business time of the last event handled. */
  now = 0
  firstTimestamp = ''
  lastTimestamp = ''
  private invoiceNumber = FIRST_INVOICE
  private readonly queue = new EventQueue()
  private readonly pending = new Map<number, PendingEvent>()
  private freeSlots: number[] = []
  private nextSlot = 0
  private readonly catalogue: Catalogue
  private readonly countries = new Countries()
  private readonly quantities = new Quantities()
  private readonly calendar: Calendar
  private readonly random: Random
  private readonly writer: LogWriter
  // The lines of the order being written, for choosing what a later return brings back.
  private readonly lineProducts = new Int32Array(MAX_LINES)
  private readonly lineQuantities = new Int32Array(MAX_LINES)
  private readonly linePrices = new Int32Array(MAX_LINES)

  constructor(
    customers: number,
    calendar: Calendar,
    regime: RegimeParams,
    random: Random,
    writer: LogWriter
  ) {
    this.calendar = calendar
    this.random = random
    this.writer = writer
    this.catalogue = makeCatalogue(random.fork())
    this.customers = new Customers(customers, calendar, regime)
    this.customers.drawNextBirth(random)
  }

  /** Handles the earliest event; false when nothing is left inside the period. */
  step(): boolean {
    const birth = this.customers.nextBirth
    const queued = this.queue.peekTime()
    if (birth === Infinity && queued === Infinity) return false
    if (birth <= queued) {
      this.now = birth
      const c = this.customers.bear(this.random, this.countries, birth)
      this.customers.drawNextBirth(this.random)
      this.sale(c)
      return true
    }
    this.now = queued
    const id = this.queue.pop()
    if (id >= 0) {
      this.sale(id)
      return true
    }
    const event = this.pending.get(-id - 1)
    this.pending.delete(-id - 1)
    this.freeSlots.push(-id - 1)
    if (event === 'guest') this.guestOrder()
    else if (event) this.returnOrder(event)
    return true
  }

  private sale(c: number): void {
    const customers = this.customers
    const next = customers.nextOrder(this.random, c, this.now)
    if (next !== Infinity) this.queue.push(next, c)
    const country = customers.country[c] as number
    const lines = this.order(
      customers.idText(c),
      country,
      customers.basketMean[c] as number,
      customers.packMultiplier[c] as number
    )
    const random = this.random
    if (random.uniform() < MODEL.returnShare) this.scheduleReturn(c, lines)
    if (random.uniform() < MODEL.guestOrdersPerOrder) {
      this.schedule(this.now + 0.3 * random.exponential(), 'guest')
    }
  }

  private guestOrder(): void {
    const random = this.random
    if (random.uniform() < 0.03) return this.stockAdjustment()
    const country = this.countries.sample(random)
    const basket = random.gamma(MODEL.basketShape, MODEL.basketShape / MODEL.meanBasketLines)
    const multiplier = packMultiplier(random.gamma(MODEL.spendShape, MODEL.spendShape))
    const lines = this.order('', country, Math.max(1, basket), multiplier)
    if (random.uniform() < 0.12) {
      const postage = Math.round(500 + lines * 60)
      this.extra('DOT', 'DOTCOM POSTAGE', 1, postage)
    }
  }

  /** Writes one sales invoice, non-product lines included; returns its number of product lines. */
  private order(customer: string, country: number, basketMean: number, multiplier: number): number {
    const random = this.random
    const catalogue = this.catalogue
    const lines = Math.min(MAX_LINES, 1 + random.geometric(basketMean - 1))
    const countryText = this.countries.names[country] as string
    this.writer.invoice(this.newInvoice(''), this.timestamp(), customer, countryText)
    for (let k = 0; k < lines; k++) {
      const p = catalogue.popularity.sample(random)
      const quantity = this.quantities.sample(random, multiplier)
      let price = quantity >= 100 ? catalogue.bulkPricePence[p] : catalogue.pricePence[p]
      let kind = 0
      if (random.uniform() < MODEL.zeroPriceLineShare) {
        price = 0
        kind = ZERO_PRICE
      }
      this.lineProducts[k] = p
      this.lineQuantities[k] = quantity
      this.linePrices[k] = price as number
      const code = catalogue.code[p] as string
      const description = catalogue.description[p] as string
      this.writer.line(code, description, quantity, formatPence(price as number), kind)
    }
    // Lines that are not products, as in the real log: postage abroad, manual fixes, bank fees.
    const u = random.uniform()
    if (country !== UNITED_KINGDOM && u < 0.4) {
      this.extra('POST', 'POSTAGE', 1 + random.int(3), 1800)
    }
    if (u > 0.985) {
      const manual = Math.round(Math.exp(Math.log(1500) + random.normal()))
      this.extra('M', 'Manual', 1, manual)
    }
    if (country !== UNITED_KINGDOM && u > 0.4 && u < 0.41) {
      this.extra('BANK CHARGES', 'Bank Charges', 1, 1500)
    }
    return lines
  }

  /** A line that is not a product (postage, fees, manual fixes) on the current invoice. */
  private extra(code: string, description: string, quantity: number, pence: number): void {
    this.writer.line(code, description, quantity, formatPence(pence), NON_PRODUCT)
  }

  /** A stocktake correction: no customer, negative quantity, price zero, a terse note. */
  private stockAdjustment(): void {
    const random = this.random
    const p = this.catalogue.popularity.sample(random)
    const note = ADJUSTMENT_NOTES[random.int(ADJUSTMENT_NOTES.length)] as string
    const quantity = -(1 + random.geometric(10))
    const uk = this.countries.names[UNITED_KINGDOM] as string
    this.writer.invoice(this.newInvoice(''), this.timestamp(), '', uk)
    this.writer.line(this.catalogue.code[p] as string, note, quantity, '0.00', ZERO_PRICE)
  }

  private scheduleReturn(customer: number, lines: number): void {
    const random = this.random
    const wanted = Math.min(lines, 1 + random.geometric(1.2))
    const event: PendingReturn = { customer, products: [], quantities: [], prices: [] }
    let remaining = lines
    // Selection sampling: `wanted` distinct lines, kept in invoice order.
    for (let k = 0; k < lines && event.products.length < wanted; k++, remaining--) {
      if (random.uniform() * remaining >= wanted - event.products.length) continue
      const bought = this.lineQuantities[k] as number
      event.products.push(this.lineProducts[k] as number)
      event.quantities.push(random.uniform() < 0.6 ? bought : 1 + random.int(bought))
      event.prices.push(this.linePrices[k] as number)
    }
    // Half come back within hours (cancellations), the rest after days or weeks.
    const delay = random.uniform() < 0.5 ? 0.05 * random.exponential() : 14 * random.exponential()
    this.schedule(this.now + delay, event)
  }

  private returnOrder(event: PendingReturn): void {
    const customers = this.customers
    const customer = customers.idText(event.customer)
    const country = this.countries.names[customers.country[event.customer] as number] as string
    this.writer.invoice(this.newInvoice('C'), this.timestamp(), customer, country)
    for (let k = 0; k < event.products.length; k++) {
      const p = event.products[k] as number
      const code = this.catalogue.code[p] as string
      const description = this.catalogue.description[p] as string
      const pence = event.prices[k] as number
      const quantity = -(event.quantities[k] as number)
      const kind = pence === 0 ? RETURN | ZERO_PRICE : RETURN
      this.writer.line(code, description, quantity, formatPence(pence), kind)
    }
  }

  private schedule(time: number, event: PendingEvent): void {
    const t = this.calendar.nextOpen(time)
    if (t >= this.calendar.days) return
    const slot = this.freeSlots.pop() ?? this.nextSlot++
    this.pending.set(slot, event)
    this.queue.push(t, -slot - 1)
  }

  private newInvoice(prefix: 'C' | ''): string {
    if (prefix === 'C') this.invoices.returns++
    else this.invoices.sales++
    return `${prefix}${this.invoiceNumber++}`
  }

  private timestamp(): string {
    const text = this.calendar.timestamp(this.now)
    if (this.firstTimestamp === '') this.firstTimestamp = text
    this.lastTimestamp = text
    return text
  }
}
