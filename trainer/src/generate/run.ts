import { createWriteStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { finished, pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { Calendar, parseStartDate, periodEnd } from './calendar.ts'
import { MODEL } from './customers.ts'
import { LogWriter, type RowCounts } from './log-writer.ts'
import { Random } from '@fcv/core'
import { REGIMES, REGIME_PARAMS, isRegime, type Regime } from './regime.ts'
import { Simulation } from './simulation.ts'

export interface GenerateOptions {
  customers: number
  /** Length of the period; whole years by the calendar, a fraction as days. */
  years: number
  /** Integer in [0, 2^32); same options, same bytes. */
  seed: number
  /** Output path; a `.gz` suffix writes gzip. */
  out: string
  /** First day, YYYY-MM-DD; default 2021-01-01. */
  start?: string
  log?: (line: string) => void
  /** Share of rows written malformed; default 1/50,000 (tests raise it). */
  malformedShare?: number
  /**
   * The kind of store (regime.ts): `steady` (default; the development log's shape), `cohort` (one
   * cohort acquired in the first quarter, then decaying), `growth` (rising acquisition, strong Q4
   * peaks) or `shrinking` (acquisition falling off, churn rising).
   */
  regime?: Regime
  /**
   * Write the Invoice column (default true). Without it, what the log relies on the invoice for
   * falls to the other fields: a return (a `C` invoice) is only its negative quantity, which ingest
   * keeps as a negative amount all the same; an order's lines share a timestamp, which the
   * features group by when there is no order id; exact duplicate rows are still written, and in
   * such a log they can be two purchases. Ingest it with `data.columns.order_id: null`. The rows
   * are otherwise those of the log with order ids (same seed, same draws).
   */
  orderIds?: boolean
}

export interface GenerateSummary {
  out: string
  seed: number
  regime: Regime
  /** Whether the log has the Invoice column. */
  orderIds: boolean
  customers: number
  /** The simulated period [start, end), dates. */
  start: string
  end: string
  /** First and last InvoiceDate written. */
  firstTimestamp: string
  lastTimestamp: string
  rows: RowCounts
  /** Sales orders and returns written (each one invoice; without order ids, not numbered). */
  invoices: { sales: number; returns: number }
  /** Size of the file written (compressed when gzip). */
  bytes: number
  uncompressedBytes: number
  durationMs: number
}

/** gzip level 1: a 10M-row log must not wait on the compressor. */
const GZIP_LEVEL = 1

/** Writes a synthetic transaction log in the format of the UCI Online Retail II log. */
export async function runGenerate(options: GenerateOptions): Promise<GenerateSummary> {
  const began = Date.now()
  const { customers, years, seed, out } = options
  if (!Number.isInteger(customers) || customers < 1) {
    throw new RangeError(`customers must be a positive integer, got ${customers}`)
  }
  if (!(years > 0 && years <= 100)) throw new RangeError(`years must be in (0, 100], got ${years}`)
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new RangeError(`seed must be an integer in [0, 2^32), got ${seed}`)
  }
  const malformedShare = options.malformedShare ?? MODEL.malformedRowShare
  if (!(malformedShare >= 0 && malformedShare <= 0.5)) {
    throw new RangeError(`malformedShare must be in [0, 0.5], got ${malformedShare}`)
  }
  const regime = options.regime ?? 'steady'
  if (!isRegime(regime)) {
    throw new RangeError(`regime must be one of ${REGIMES.join(', ')}, got "${String(regime)}"`)
  }
  const orderIds = options.orderIds ?? true
  const regimeParams = REGIME_PARAMS[regime]
  const start = options.start ?? '2021-01-01'
  const startMs = parseStartDate(start)
  const calendar = new Calendar(startMs, years, regimeParams.seasonPeak)
  const random = new Random(seed)

  const file = createWriteStream(out)
  const gzip = out.endsWith('.gz') ? createGzip({ level: GZIP_LEVEL }) : undefined
  const sink = gzip ?? file
  const done = gzip ? pipeline(gzip, file) : finished(file)
  done.catch(() => {}) // awaited below; an early failure must not surface as unhandled

  const writer = new LogWriter(sink, random, MODEL.duplicateRowShare, malformedShare, orderIds)
  const simulation = new Simulation(customers, calendar, regimeParams, random, writer)
  try {
    let lastLog = Date.now()
    while (simulation.step()) {
      if (!writer.needsFlush) continue
      await writer.flush()
      if (options.log && Date.now() - lastLog >= 1000) {
        lastLog = Date.now()
        const day = Math.min(calendar.days - 1, Math.floor(simulation.now))
        const percent = ((100 * simulation.now) / calendar.days).toFixed(0)
        options.log(
          `generate: ${writer.rows.total} rows, at ${calendar.dateText(day)} (${percent} % of the period)`
        )
      }
    }
    await writer.flush()
    sink.end()
    await done
  } catch (error) {
    sink.destroy()
    throw error
  }
  const summary: GenerateSummary = {
    out,
    seed,
    regime,
    orderIds,
    customers: simulation.customers.born,
    start,
    end: new Date(periodEnd(startMs, years)).toISOString().slice(0, 10),
    firstTimestamp: simulation.firstTimestamp,
    lastTimestamp: simulation.lastTimestamp,
    rows: writer.rows,
    invoices: simulation.invoices,
    bytes: (await stat(out)).size,
    uncompressedBytes: writer.characters,
    durationMs: Date.now() - began,
  }
  options.log?.(
    `generate: wrote ${summary.rows.total} rows for ${summary.customers} customers, ` +
      `${summary.firstTimestamp} .. ${summary.lastTimestamp}, ${summary.bytes} bytes to ${out} ` +
      `in ${(summary.durationMs / 1000).toFixed(1)} s`
  )
  return summary
}
