// The ingest stage: transaction log (CSV, CSV.gz or whitespace text, columns mapped in params.yaml)
// -> data/interim/{transactions.arrow, quarantine.csv, ingest-report.json}. One streaming pass; memory
// holds one Arrow batch, a chunk of input, the duplicate fingerprints and the distinct ids (customers,
// orders, products, countries), whatever the size of the log.

import { writeFile } from 'node:fs/promises'
import type { Params } from '../params/schema.ts'
import { interimSchema } from '../interim/schema.ts'
import { CsvByteTokenizer, splitterOptions } from './csv-bytes.ts'
import { CsvSyntaxError, type Tokenizer } from './csv-tokenizer.ts'
import { resolveDuplicates } from './duplicates.ts'
import { IngestError } from './errors.ts'
import { openCsvInput, openInput, type InputStream } from './input.ts'
import { InterimWriter } from './interim-writer.ts'
import { OutputSet } from './output-files.ts'
import { ProgressMeter, formatCount } from './progress.ts'
import { QuarantineWriter } from './quarantine-writer.ts'
import { QUARANTINE_REASONS } from './reasons.ts'
import { ReportBuilder, type IngestReport } from './report.ts'
import { RowPipeline } from './row-pipeline.ts'
import { WhitespaceTokenizer } from './whitespace-tokenizer.ts'

export { IngestError } from './errors.ts'
export type { IngestReport } from './report.ts'
export { INVALID_REASONS, RULE_REASONS, type QuarantineReason } from './reasons.ts'
export { OUTPUT_NAMES } from './output-files.ts'

export interface IngestOptions {
  /** Where progress and the summary go, one line per call; default stderr. */
  log?: (line: string) => void
  /** Log a progress line about every second; default true. */
  progress?: boolean
  /** Read CSV in a worker thread; default: when the file is over WORKER_MIN_BYTES. */
  worker?: boolean
}

const BYTES_PER_ROW_GUESS = 96

function summarize(r: IngestReport): string {
  const dropped = QUARANTINE_REASONS.filter((k) => r.by_reason[k] > 0)
    .map((k) => `${k} ${formatCount(r.by_reason[k])}`)
    .join(', ')
  const d = r.duplicates
  const duplicates =
    `duplicates: ${d.policy}${d.policy === 'keep' ? `, ${formatCount(d.kept)} kept` : ''} ` +
    `(${d.setting === 'auto' ? 'auto: ' : ''}${d.reason})`
  return (
    `ingest: ${formatCount(r.rows_read)} rows in ${(r.duration_ms / 1000).toFixed(1)} s: ` +
    `${formatCount(r.rows_kept)} kept, ${formatCount(r.rows_quarantined)} quarantined` +
    `${dropped ? ` (${dropped})` : ''}; ${duplicates} -> ${r.output_dir}`
  )
}

/** Bytes in, text to a string tokenizer out. */
class DecodingTokenizer {
  private readonly decoder = new TextDecoder('utf-8')
  private readonly tokenizer: Tokenizer
  constructor(tokenizer: Tokenizer) {
    this.tokenizer = tokenizer
  }
  push(chunk: Buffer): void {
    const text = this.decoder.decode(chunk, { stream: true })
    if (text.length > 0) this.tokenizer.push(text)
  }
  end(): void {
    const tail = this.decoder.decode()
    if (tail.length > 0) this.tokenizer.push(tail)
    this.tokenizer.end()
  }
}

function asIngestError(e: unknown, file: string): unknown {
  if (e instanceof CsvSyntaxError) {
    return new IngestError(`${file}:${e.line}:${e.column}: ${e.message}`, { cause: e })
  }
  return e
}

export async function runIngest(
  params: Params,
  options: IngestOptions = {}
): Promise<IngestReport> {
  const started = performance.now()
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`))
  const { data } = params
  const file = data.path
  const csvInput =
    data.format === 'csv'
      ? await openCsvInput(file, data.compression, splitterOptions(data.delimiter), options.worker)
      : null
  const input: InputStream<unknown> = csvInput ?? (await openInput(file, data.compression))
  let out: OutputSet
  try {
    out = await OutputSet.prepare(params.ingest.out_dir)
  } catch (e) {
    await input.close()
    throw e
  }
  let writer: InterimWriter | undefined
  let quarantine: QuarantineWriter | undefined
  try {
    const schema = interimSchema({
      currency: data.currency,
      currencyExponent: data.currency_exponent,
      source: file,
    })
    writer = await InterimWriter.create(out.temp.transactions, schema)
    quarantine = await QuarantineWriter.create(out.temp.quarantine)
    const report = new ReportBuilder()
    // Retail log lines run to ~90 bytes: an estimate of the rows, to size tables by.
    const expectedRows = Math.floor(input.textBytes / BYTES_PER_ROW_GUESS)
    const duplicates = resolveDuplicates(params.ingest.duplicates, data.columns)
    const rows = new RowPipeline(
      data,
      file,
      { writer, quarantine, report },
      { expectedRows, duplicates: duplicates.policy }
    )
    const progress = new ProgressMeter(log, input.sizeBytes, options.progress ?? true)
    const afterChunk = async () => {
      await writer?.flush()
      await quarantine?.flush()
      progress.update(report.rowsRead, input.bytesRead())
    }
    if (csvInput !== null) {
      const tokenizer = new CsvByteTokenizer(rows.onLine, rows.onRecord, data.delimiter)
      for await (const piece of csvInput.chunks) {
        tokenizer.pushPiece(piece)
        await afterChunk()
      }
      tokenizer.end()
    } else {
      const tokenizer = new DecodingTokenizer(new WhitespaceTokenizer(rows.onRecord))
      for await (const chunk of input.chunks as AsyncIterable<Buffer>) {
        tokenizer.push(chunk)
        await afterChunk()
      }
      tokenizer.end()
    }
    rows.finish(params.ingest.max_invalid_fraction)
    // Both files are synced to disk; let the two syncs overlap.
    const finished = await Promise.allSettled([writer.finish(), quarantine.finish()])
    for (const f of finished) if (f.status === 'rejected') throw f.reason
    const result = report.build({
      path: file,
      sizeBytes: input.sizeBytes,
      sha256: input.sha256(),
      gzip: input.gzip,
      currency: data.currency,
      currencyExponent: data.currency_exponent,
      outputDir: out.dir,
      durationMs: performance.now() - started,
      duplicates,
      customers: writer.distinctCustomers,
      orders: writer.distinctOrders,
    })
    await writeFile(out.temp.report, `${JSON.stringify(result, null, 2)}\n`, { flag: 'wx' })
    await out.commit()
    log(summarize(result))
    return result
  } catch (e) {
    await input.close()
    await writer?.abort()
    await quarantine?.abort()
    await out.discard()
    throw asIngestError(e, file)
  }
}
