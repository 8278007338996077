import { createWriteStream } from 'node:fs'
import { finished } from 'node:stream/promises'
import {
  Field,
  Float64,
  Int64,
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  Schema,
  Struct,
  TimestampMillisecond,
  Utf8,
  type Data,
} from 'apache-arrow'
import type { FeatureSpec, FeatureVector } from '@fcv/core'

const BATCH_ROWS = 65_536

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

/** Strings as Arrow Utf8 data: one encode of the joined text, offsets from each value's length. */
export function utf8Data(values: readonly string[]): Data<Utf8> {
  const joined = values.join('')
  const bytes = Buffer.from(joined, 'utf8')
  const ascii = bytes.length === joined.length
  const offsets = new Int32Array(values.length + 1)
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as string
    offsets[i + 1] = (offsets[i] as number) + (ascii ? v.length : Buffer.byteLength(v, 'utf8'))
  }
  return makeData({ type: new Utf8(), length: values.length, valueOffsets: offsets, data: bytes })
}

function float64Data(values: Float64Array, length: number): Data<Float64> {
  return makeData({ type: new Float64(), length, data: values.slice(0, length) })
}

/**
 * Streams rows of one split into an Arrow IPC file, a record batch at a time. Values go straight
 * into typed column buffers, so a batch costs no per-row objects.
 */
export class SplitWriter {
  readonly schema: Schema
  rows = 0
  private readonly spec: FeatureSpec
  private readonly writer: RecordBatchFileWriter
  private readonly done: Promise<void>
  private n = 0
  private ids: string[] = []
  private readonly cutoffs = new Float64Array(BATCH_ROWS)
  private readonly labels = new Float64Array(BATCH_ROWS)
  /** One buffer per feature: numbers for numeric features, strings for categorical ones. */
  private readonly numeric: (Float64Array | null)[]
  private categorical: (string[] | null)[]

  constructor(path: string, spec: FeatureSpec) {
    this.spec = spec
    this.schema = featureTableSchema(spec)
    this.numeric = spec.features.map((f) =>
      f.kind === 'numeric' ? new Float64Array(BATCH_ROWS) : null
    )
    this.categorical = this.freshCategorical()
    this.writer = new RecordBatchFileWriter()
    const out = createWriteStream(path)
    this.writer.pipe(out)
    this.done = finished(out)
    this.writer.reset(undefined, this.schema)
  }

  private freshCategorical(): (string[] | null)[] {
    return this.spec.features.map((f) => (f.kind === 'categorical' ? [] : null))
  }

  add(customerId: string, cutoff: number, vector: FeatureVector, labelMinor: number): void {
    const i = this.n++
    this.ids.push(customerId)
    this.cutoffs[i] = cutoff
    this.labels[i] = labelMinor
    for (let j = 0; j < vector.length; j++) {
      const num = this.numeric[j]
      if (num) num[i] = vector[j] as number
      else this.categorical[j]!.push(vector[j] as string)
    }
    if (this.n === BATCH_ROWS) this.flush()
  }

  flush(): void {
    const n = this.n
    if (n === 0) return
    const scale = 10 ** this.spec.currencyExponent
    const labelMinor = new BigInt64Array(n)
    const label = new Float64Array(n)
    const cutoff = new BigInt64Array(n)
    for (let i = 0; i < n; i++) {
      const m = this.labels[i] as number
      labelMinor[i] = BigInt(m)
      label[i] = m / scale
      cutoff[i] = BigInt(this.cutoffs[i] as number)
    }
    const children: Data[] = [
      utf8Data(this.ids),
      makeData({ type: new TimestampMillisecond('UTC'), length: n, data: cutoff }),
      ...this.spec.features.map((_, j) => {
        const num = this.numeric[j]
        return num ? float64Data(num, n) : utf8Data(this.categorical[j]!)
      }),
      makeData({ type: new Float64(), length: n, data: label }),
      makeData({ type: new Int64(), length: n, data: labelMinor }),
    ]
    const data = makeData({
      type: new Struct(this.schema.fields),
      length: n,
      nullCount: 0,
      children,
    })
    this.writer.write(new RecordBatch(this.schema, data))
    this.rows += n
    this.n = 0
    this.ids = []
    this.categorical = this.freshCategorical()
  }

  async close(): Promise<void> {
    this.flush()
    this.writer.finish()
    await this.done
  }
}
