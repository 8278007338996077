// The files `fcv score` writes, one row per scored customer, streamed as the customers are scored:
// scores.csv and scores.arrow (Arrow IPC file) with the same columns. The CSV's numbers are
// JavaScript's shortest round-trip form, so parsing one gives back exactly the float scored.

import { createWriteStream, type WriteStream } from 'node:fs'
import { once } from 'node:events'
import { finished } from 'node:stream/promises'
import {
  Field,
  Float64,
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  Schema,
  Struct,
  TimestampMillisecond,
  Utf8,
} from 'apache-arrow'
import type { Prediction } from '@fcv/core'
import { utf8Data } from '../features/split-writer.ts'
import { csvField } from '../io/csv-field.ts'

export const SCORE_FILES = { csv: 'scores.csv', arrow: 'scores.arrow', summary: 'summary.json' }

/** The columns of both files, in order. */
export const SCORE_COLUMNS = [
  'customer_id',
  'model_version',
  'as_of',
  'expected',
  'p_buy',
  'p10',
  'p50',
  'p90',
] as const

const VALUES = ['expected', 'pBuy', 'p10', 'p50', 'p90'] as const

export function scoreSchema(): Schema {
  return new Schema([
    new Field('customer_id', new Utf8(), false),
    new Field('model_version', new Utf8(), false),
    new Field('as_of', new TimestampMillisecond('UTC'), false),
    ...SCORE_COLUMNS.slice(3).map((name) => new Field(name, new Float64(), false)),
  ])
}

export class ScoreWriter {
  rows = 0
  private readonly schema = scoreSchema()
  private readonly asOf: number
  private readonly asOfText: string
  private readonly csv: WriteStream
  private readonly arrowOut: WriteStream
  private readonly arrow = new RecordBatchFileWriter()
  private readonly done: Promise<void>[]

  constructor(paths: { csv: string; arrow: string }, asOf: number) {
    this.asOf = asOf
    this.asOfText = new Date(asOf).toISOString()
    this.csv = createWriteStream(paths.csv)
    this.arrowOut = createWriteStream(paths.arrow)
    this.arrow.pipe(this.arrowOut)
    this.arrow.reset(undefined, this.schema)
    this.done = [finished(this.csv), finished(this.arrowOut)]
    for (const d of this.done) d.catch(() => {}) // awaited by close()
    this.csv.write(SCORE_COLUMNS.join(',') + '\n')
  }

  /** One record batch and its CSV lines; waits while the CSV file catches up. */
  async add(predictions: readonly Prediction[]): Promise<void> {
    const n = predictions.length
    if (n === 0) return
    const ids = predictions.map((p) => p.customerId)
    const versions = predictions.map((p) => p.modelVersion)
    const columns = VALUES.map((key) => Float64Array.from(predictions, (p) => p[key]))
    const data = makeData({
      type: new Struct(this.schema.fields),
      length: n,
      nullCount: 0,
      children: [
        utf8Data(ids),
        utf8Data(versions),
        makeData({
          type: new TimestampMillisecond('UTC'),
          length: n,
          data: new BigInt64Array(n).fill(BigInt(this.asOf)),
        }),
        ...columns.map((values) => makeData({ type: new Float64(), length: n, data: values })),
      ],
    })
    this.arrow.write(new RecordBatch(this.schema, data))
    let text = ''
    for (const p of predictions) {
      text +=
        `${csvField(p.customerId)},${csvField(p.modelVersion)},${this.asOfText},` +
        `${p.expected},${p.pBuy},${p.p10},${p.p50},${p.p90}\n`
    }
    this.rows += n
    if (!this.csv.write(text)) await once(this.csv, 'drain')
  }

  async close(): Promise<void> {
    this.arrow.finish()
    this.csv.end()
    await Promise.all(this.done)
  }

  /** Closes both files without finishing them, after a failure (their directory is discarded). */
  abort(): void {
    this.csv.destroy()
    this.arrowOut.destroy()
  }
}
