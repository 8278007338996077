import { join } from 'node:path'
import { parseInstant } from '@fcv/core'
import { runExportHistories } from '../export/index.ts'
import type { Params } from '../params/schema.ts'
import { positiveInt } from './options.ts'

export interface ExportHistoriesFlags {
  out: string
  input?: string
  asOf?: string
  customers?: string
  pick?: string
}

/** Defaults from params: the interim table ingest writes, and the test cutoff evaluate scores at. */
export async function exportHistoriesCommand(
  params: Params,
  flags: ExportHistoriesFlags
): Promise<void> {
  const asOfText = flags.asOf ?? params.features.test_cutoff
  let asOf: number
  try {
    asOf = parseInstant(asOfText)
  } catch (e) {
    throw new RangeError(`--as-of: ${(e as Error).message}`, { cause: e })
  }
  const { document } = await runExportHistories({
    input: flags.input ?? join(params.ingest.out_dir, 'transactions.arrow'),
    asOf,
    customers: flags.customers === undefined ? [] : flags.customers.split(',').map((s) => s.trim()),
    pick: flags.pick === undefined ? 0 : positiveInt('pick', flags.pick),
    out: flags.out,
  })
  const lines = document.customers.reduce((n, c) => n + c.transactions.length, 0)
  process.stdout.write(
    `export-histories: wrote ${flags.out} (${document.customers.length} customers, ` +
      `${lines} transactions before ${document.asOf})\n`
  )
}
