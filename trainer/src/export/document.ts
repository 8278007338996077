// The file `fcv export-histories` writes: customers' histories in the wire form POST /v1/predict and
// the widget accept (core's checkWireTransactions), with where they came from and the asOf they
// were cut at.

import type { HistoryTransaction } from '@fcv/core'

/** Where the histories came from; the dataset is credited as its licence asks. */
export interface HistoriesSource {
  /** The interim table read, as given. */
  input: string
  /** The transaction log it was ingested from, as params named it. */
  log: string
  dataset: string
  url?: string
}

export interface ExportedCustomer {
  customerId: string
  /** For people: id, latest country, orders (and returns). */
  label: string
  /** Only lines strictly before asOf, in time order; timestamps are epoch ms. */
  transactions: HistoryTransaction[]
}

export interface HistoriesDocument {
  source: HistoriesSource
  /** ISO 8601; the cutoff to score at: every transaction is before it. */
  asOf: string
  currency: string
  currencyExponent: number
  customers: ExportedCustomer[]
}

const SAMPLE_PATH = 'data/sample/online_retail_ii_sample.csv.gz'

/** The credit for the shipped sample (data/sample/README.md), or the log's file name. */
export function sourceOf(input: string, log: string): HistoriesSource {
  if (log.replaceAll('\\', '/').endsWith(SAMPLE_PATH)) {
    return {
      input,
      log,
      dataset: 'UCI Online Retail II (CC BY 4.0), Dr. Daqing Chen',
      url: 'https://doi.org/10.24432/C5CG6D',
    }
  }
  return { input, log, dataset: log.split(/[\\/]/).pop() || log }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

/**
 * "Customer 12347 · United Kingdom · 7 orders · 1 return". Orders and returns count distinct orders
 * with purchase or return lines; a line without an order id is its own order per timestamp, as the
 * features count them.
 */
export function labelOf(customerId: string, transactions: readonly HistoryTransaction[]): string {
  const orders = new Set<string>()
  const returns = new Set<string>()
  let country: string | undefined
  for (const t of transactions) {
    const order = t.orderId ? `o${t.orderId}` : `t${t.timestamp}`
    if (t.amountMinor > 0) orders.add(order)
    else if (t.amountMinor < 0) returns.add(order)
    if (t.country) country = t.country
  }
  return [
    `Customer ${customerId}`,
    ...(country ? [country] : []),
    plural(orders.size, 'order'),
    ...(returns.size > 0 ? [plural(returns.size, 'return')] : []),
  ].join(' · ')
}

/**
 * JSON with one transaction per line: readable and diffable without a line per field, and the
 * same value as JSON.stringify(doc).
 */
export function formatHistories(doc: HistoriesDocument): string {
  const { customers, ...head } = doc
  const top = JSON.stringify(head, null, 2).replace(/\n}$/, '')
  const items = customers.map((c) => {
    const lines = c.transactions.map((t) => `        ${JSON.stringify(t)}`).join(',\n')
    return [
      '    {',
      `      "customerId": ${JSON.stringify(c.customerId)},`,
      `      "label": ${JSON.stringify(c.label)},`,
      `      "transactions": [\n${lines}\n      ]`,
      '    }',
    ].join('\n')
  })
  return `${top},\n  "customers": [\n${items.join(',\n')}\n  ]\n}\n`
}
