import { createWriteStream } from 'node:fs'
import { finished } from 'node:stream/promises'
import {
  Field,
  Float64,
  Int64,
  makeData,
  makeVector,
  RecordBatch,
  RecordBatchFileWriter,
  Schema,
  Struct,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow'
import type { FeatureSpec, FeatureVector } from '@fcv/core'

/** Column layout of train/valid/test: ids, the spec's features in order, then the label. */
export function featureTableSchema(spec: FeatureSpec): Schema {
  return new Schema([
    new Field('customer_id', new Utf8(), false),
    new Field('cutoff', new TimestampMillisecond('UTC'), false),
    ...spec.features.map(
      (f) => new Field(f.name, f.kind === 'categorical' ? new Utf8() : new Float64(), false)
    ),
    new Field('label', new Float64(), false),
    new Field('label_minor', new Int64(), false),
  ])
}

/** Streams rows of one split into an Arrow IPC file, a record batch at a time. */
export class SplitWriter {
  readonly schema: Schema
  rows = 0
  private readonly spec: FeatureSpec
  private readonly writer: RecordBatchFileWriter
  private readonly done: Promise<void>
  private ids: string[] = []
  private cutoffs: number[] = []
  private values: FeatureVector[] = []
  private labels: number[] = []

  constructor(path: string, spec: FeatureSpec) {
    this.spec = spec
    this.schema = featureTableSchema(spec)
    this.writer = new RecordBatchFileWriter()
    const out = createWriteStream(path)
    this.writer.pipe(out)
    this.done = finished(out)
    this.writer.reset(undefined, this.schema)
  }

  add(customerId: string, cutoff: number, vector: FeatureVector, labelMinor: number): void {
    this.ids.push(customerId)
    this.cutoffs.push(cutoff)
    this.values.push(vector)
    this.labels.push(labelMinor)
    if (this.ids.length >= 65_536) this.flush()
  }

  flush(): void {
    const n = this.ids.length
    if (n === 0) return
    const scale = 10 ** this.spec.currencyExponent
    const columns = [
      vectorFromArray(this.ids, new Utf8()),
      vectorFromArray(this.cutoffs, new TimestampMillisecond('UTC')),
      ...this.spec.features.map((f, j) =>
        f.kind === 'categorical'
          ? vectorFromArray(
              this.values.map((v) => v[j] as string),
              new Utf8()
            )
          : makeVector(Float64Array.from(this.values, (v) => v[j] as number))
      ),
      makeVector(Float64Array.from(this.labels, (m) => m / scale)),
      makeVector(BigInt64Array.from(this.labels, (m) => BigInt(m))),
    ]
    const data = makeData({
      type: new Struct(this.schema.fields),
      length: n,
      nullCount: 0,
      children: columns.map((c) => c.data[0]!),
    })
    this.writer.write(new RecordBatch(this.schema, data))
    this.rows += n
    this.ids = []
    this.cutoffs = []
    this.values = []
    this.labels = []
  }

  async close(): Promise<void> {
    this.flush()
    this.writer.finish()
    await this.done
  }
}
