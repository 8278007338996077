// Column access on Arrow IPC files for the agreement check. Columns are looked up by name, so
// files with extra columns (e.g. int32 key columns) read the same.

import { readFileSync } from 'node:fs'
import { tableFromIPC, type Table, type Vector } from 'apache-arrow'
import { StepError } from '../common.ts'

export function readArrow(file: string): Table {
  return tableFromIPC(readFileSync(file))
}

function column(table: Table, name: string): Vector {
  const c = table.getChild(name)
  if (!c) throw new StepError(`column "${name}" missing`)
  return c
}

/** A numeric, timestamp or Int64 column as doubles; nulls become NaN. */
export function numbers(table: Table, name: string): Float64Array {
  const c = column(table, name)
  const raw = c.toArray() as ArrayLike<number | bigint>
  const out = new Float64Array(raw.length)
  for (let i = 0; i < raw.length; i++) out[i] = Number(raw[i])
  if (c.nullCount > 0) for (let i = 0; i < out.length; i++) if (!c.isValid(i)) out[i] = Number.NaN
  return out
}

/** An Int64 column as bigints (exact), nulls as null. */
export function bigints(table: Table, name: string): (bigint | null)[] {
  const c = column(table, name)
  const out: (bigint | null)[] = []
  for (let i = 0; i < c.length; i++)
    out.push(c.isValid(i) ? BigInt(c.get(i) as bigint | number) : null)
  return out
}

export function strings(table: Table, name: string): (string | null)[] {
  const c = column(table, name)
  const out: (string | null)[] = new Array<string | null>(c.length)
  for (let i = 0; i < c.length; i++) {
    const v = c.get(i) as string | null
    out[i] = v ?? null
  }
  return out
}

export function hasColumn(table: Table, name: string): boolean {
  return table.getChild(name) !== null
}
