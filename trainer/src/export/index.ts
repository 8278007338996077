// `fcv export-histories`: real customers' histories before asOf from the interim transactions, in
// the wire form the edge's POST /v1/predict and the widget accept, for demo pages and tests. Two
// reads of the table: totals for every customer (to check names and pick), then the chosen
// customers' rows with their order and product ids.

import { checkWireTransactions, ScoringInputError, type HistoryTransaction } from '@fcv/core'
import { groupByCustomer, wireHistory } from '../features/customer-order.ts'
import { readInterim, readInterimMeta, requireIngested } from '../interim/index.ts'
import { writeFileAtomically } from '../io/atomic-file.ts'
import {
  formatHistories,
  labelOf,
  sourceOf,
  type ExportedCustomer,
  type HistoriesDocument,
} from './document.ts'
import { chooseCustomers, ExportError, totalsBefore, type Chosen } from './select.ts'

export { ExportError, MAX_CUSTOMERS, MAX_TRANSACTIONS, RETURNS_HEAVY_SHARE } from './select.ts'
export type { HistoriesDocument } from './document.ts'

export interface ExportOptions {
  /** The interim transactions.arrow. */
  input: string
  /** Epoch ms: only transactions strictly before it are exported. */
  asOf: number
  /** Customer ids to export, in this order. */
  customers: readonly string[]
  /** How many more customers to pick across the range of value (0: none). */
  pick: number
  out: string
  log?: (line: string) => void
}

export interface ExportResult {
  document: HistoriesDocument
  chosen: Chosen[]
}

/** The chosen customers' wire transactions before asOf, in time order (the log's order on ties). */
async function historiesOf(
  input: string,
  ids: readonly string[],
  asOf: number
): Promise<Map<string, HistoryTransaction[]>> {
  const wanted = new Set(ids)
  const cols = await readInterim(input, { keep: (id) => wanted.has(id), ids: true })
  const groups = groupByCustomer(cols)
  return new Map(groups.customerIds.map((id, c) => [id, wireHistory(groups, cols, c, asOf)]))
}

/**
 * What a page would send must be what the edge and the widget accept, checked before writing: a log
 * can hold what they refuse (e.g. a product id longer than 256 characters).
 */
function checkWire(customers: readonly ExportedCustomer[]): void {
  customers.forEach((c, i) => {
    try {
      checkWireTransactions(c.transactions, c.customerId, `customers[${i}].transactions`)
    } catch (e) {
      if (!(e instanceof ScoringInputError)) throw e
      throw new ExportError(
        `customer "${c.customerId}" has a transaction the edge and the widget refuse: ${e.message}`,
        { cause: e }
      )
    }
  })
}

export async function runExportHistories(o: ExportOptions): Promise<ExportResult> {
  const log = o.log ?? ((line: string) => process.stderr.write(line + '\n'))
  await requireIngested(o.input, ExportError)
  const asOfIso = new Date(o.asOf).toISOString()
  const meta = await readInterimMeta(o.input)
  const totals = totalsBefore(await readInterim(o.input), o.asOf)
  const chosen = chooseCustomers(totals, {
    named: o.customers,
    pick: o.pick,
    input: o.input,
    asOfIso,
  })
  const ids = chosen.map((c) => c.totals.customerId)
  const histories = await historiesOf(o.input, ids, o.asOf)
  const customers = ids.map((customerId): ExportedCustomer => {
    const transactions = histories.get(customerId) ?? []
    return { customerId, label: labelOf(customerId, transactions), transactions }
  })
  checkWire(customers)
  const document: HistoriesDocument = {
    source: sourceOf(o.input, meta.source),
    asOf: asOfIso,
    currency: meta.currency,
    currencyExponent: meta.currencyExponent,
    customers,
  }
  await writeFileAtomically(o.out, formatHistories(document))
  const scale = 10 ** meta.currencyExponent
  chosen.forEach((c, i) => {
    const spend = (c.totals.spendMinor / scale).toFixed(meta.currencyExponent)
    log(
      `export-histories: ${customers[i]!.label} (${c.reason}; ${c.totals.lines} transactions, ` +
        `net ${spend} ${meta.currency})`
    )
  })
  return { document, chosen }
}
