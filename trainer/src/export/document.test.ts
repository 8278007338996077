import { describe, expect, it } from 'vitest'
import { formatHistories, labelOf, sourceOf, type HistoriesDocument } from './document.ts'

describe('labelOf', () => {
  it('names the latest country and counts distinct orders and returns', () => {
    const label = labelOf('12347', [
      { timestamp: 1e12, amountMinor: 500, orderId: 'A', country: 'Iceland' },
      { timestamp: 1e12, amountMinor: 300, orderId: 'A', country: 'Iceland' },
      { timestamp: 2e12, amountMinor: 200, orderId: 'B', country: 'Norway' },
      { timestamp: 3e12, amountMinor: -100, orderId: 'CB' },
    ])
    expect(label).toBe('Customer 12347 · Norway · 2 orders · 1 return')
  })

  it('counts lines without an order id as one order per timestamp, as the features do', () => {
    const label = labelOf('x', [
      { timestamp: 1e12, amountMinor: 5 },
      { timestamp: 1e12, amountMinor: 5 },
      { timestamp: 2e12, amountMinor: 5 },
    ])
    expect(label).toBe('Customer x · 2 orders')
  })
})

describe('sourceOf', () => {
  it('credits the shipped sample, and names any other log by its file', () => {
    const sample = sourceOf(
      'data/interim/transactions.arrow',
      'data/sample/online_retail_ii_sample.csv.gz'
    )
    expect(sample.dataset).toBe('UCI Online Retail II (CC BY 4.0), Dr. Daqing Chen')
    expect(sample.url).toBe('https://doi.org/10.24432/C5CG6D')
    expect(sourceOf('in.arrow', '/srv/logs/shop-2024.csv.gz')).toEqual({
      input: 'in.arrow',
      log: '/srv/logs/shop-2024.csv.gz',
      dataset: 'shop-2024.csv.gz',
    })
  })
})

describe('formatHistories', () => {
  const doc: HistoriesDocument = {
    source: { input: 'i', log: 'l', dataset: 'd "quoted"' },
    asOf: '2011-06-12T00:00:00.000Z',
    currency: 'GBP',
    currencyExponent: 2,
    customers: [
      {
        customerId: 'a',
        label: 'Customer a · 1 order',
        transactions: [
          { timestamp: 1e12, amountMinor: 1, orderId: 'o' },
          { timestamp: 2e12, amountMinor: -1 },
        ],
      },
      { customerId: 'b\n', label: 'b', transactions: [{ timestamp: 3e12, amountMinor: 7 }] },
    ],
  }

  it('is the same JSON value, one transaction per line', () => {
    const text = formatHistories(doc)
    expect(JSON.parse(text)).toEqual(doc)
    const lines = text.split('\n')
    expect(lines).toContain('        {"timestamp":2000000000000,"amountMinor":-1}')
    expect(lines.filter((l) => l.includes('"timestamp"'))).toHaveLength(3)
    expect(text.endsWith('}\n')).toBe(true)
  })
})
