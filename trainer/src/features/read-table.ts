import { readFile } from 'node:fs/promises'
import { tableFromIPC } from 'apache-arrow'

/** A train/valid/test file in columns: what the training stage and the tests read. */
export interface FeatureTable {
  readonly rows: number
  readonly customerIds: string[]
  /** Cutoff instants, epoch ms. */
  readonly cutoffs: Float64Array
  readonly numeric: Record<string, Float64Array>
  readonly categorical: Record<string, string[]>
  readonly label: Float64Array
  readonly labelMinor: Float64Array
}

const ID_COLUMNS = new Set(['customer_id', 'cutoff', 'label', 'label_minor'])

export async function readFeatureTable(path: string): Promise<FeatureTable> {
  const table = tableFromIPC(await readFile(path))
  const column = (name: string) => {
    const c = table.getChild(name)
    if (!c) throw new Error(`${path}: column "${name}" is missing`)
    return c
  }
  const numeric: Record<string, Float64Array> = {}
  const categorical: Record<string, string[]> = {}
  for (const field of table.schema.fields) {
    if (ID_COLUMNS.has(field.name)) continue
    const values = column(field.name).toArray() as ArrayLike<unknown>
    if (values instanceof Float64Array) numeric[field.name] = values
    else categorical[field.name] = Array.from(values as ArrayLike<string>)
  }
  return {
    rows: table.numRows,
    customerIds: Array.from(column('customer_id').toArray() as ArrayLike<string>),
    cutoffs: Float64Array.from(column('cutoff').toArray() as BigInt64Array, Number),
    numeric,
    categorical,
    label: column('label').toArray() as Float64Array,
    labelMinor: Float64Array.from(column('label_minor').toArray() as BigInt64Array, Number),
  }
}
