import { customerHash } from '@fcv/core'
import { createHash, type Hash } from 'node:crypto'
import { once } from 'node:events'
import { createReadStream, createWriteStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { Readable, Writable } from 'node:stream'
import { finished, pipeline } from 'node:stream/promises'
import { createGunzip, createGzip } from 'node:zlib'
import { RecordSplitter, parseCsvRecord, withoutLineEnding } from './csv-records.ts'

export interface CutSampleOptions {
  /** Source log, CSV; `.gz` is read through gunzip. */
  input: string
  /** Sample to write; `.gz` is written with gzip level 9. */
  output: string
  /** How many customers to keep: those whose customerHash(id) is smallest. */
  customers: number
  /** Share of the rows without a customer id to keep, chosen by a hash of the row. */
  guestShare?: number
  customerColumn?: string
}

export interface CutSampleSummary {
  sourceRows: number
  sourceCustomers: number
  rows: number
  customers: number
  rowsWithoutCustomerId: number
  sourceSha256: string
  sampleSha256: string
  bytes: number
}

/**
 * The customers whose customerHash is smallest (ties by id): the same stable hash that shards the
 * feature stage, so the choice is deterministic, unrelated to behaviour and repeatable anywhere.
 */
export function chooseCustomers(ids: Iterable<string>, count: number): Set<string> {
  const ranked = [...new Set(ids)].map((id) => ({ id, hash: customerHash(id) }))
  ranked.sort((a, b) => a.hash - b.hash || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  return new Set(ranked.slice(0, count).map((r) => r.id))
}

/** Keeps a row without a customer id when the hash of its text falls in the first `share`. */
export function keepRowWithoutCustomer(recordText: string, share: number): boolean {
  return customerHash(recordText) < share * 2 ** 32
}

/** The records of the source, header first, in batches; `hash` sees the source bytes. */
async function* readRecords(path: string, hash: Hash): AsyncGenerator<Buffer[]> {
  const file = createReadStream(path)
  file.on('data', (chunk) => hash.update(chunk))
  const text: Readable = path.endsWith('.gz') ? file.pipe(createGunzip()) : file
  if (text !== file) file.on('error', (e) => text.destroy(e))
  const splitter = new RecordSplitter()
  for await (const chunk of text) yield splitter.push(chunk as Buffer)
  yield splitter.end()
}

function customerIdOf(record: Buffer, column: number): string {
  return (parseCsvRecord(withoutLineEnding(record).toString('utf8'))[column] ?? '').trim()
}

/**
 * Copies, byte for byte and in source order, the header and every record of the chosen customers,
 * plus a deterministic share of the records without a customer id. Two passes over the source:
 * the first lists the customers, the second copies.
 */
export async function cutSample(options: CutSampleOptions): Promise<CutSampleSummary> {
  const { input, output, customers } = options
  const guestShare = options.guestShare ?? 0.02
  const columnName = options.customerColumn ?? 'Customer ID'
  if (!Number.isInteger(customers) || customers < 1) {
    throw new RangeError(`customers must be a positive integer, got ${customers}`)
  }
  let column = -1
  let sourceRows = 0
  const ids = new Set<string>()
  for await (const records of readRecords(input, createHash('sha256'))) {
    for (const record of records) {
      if (column < 0) {
        const header = parseCsvRecord(withoutLineEnding(record).toString('utf8'))
        column = header.indexOf(columnName)
        if (column < 0) throw new Error(`${input}: no column "${columnName}" in the header`)
        continue
      }
      sourceRows++
      const id = customerIdOf(record, column)
      if (id !== '') ids.add(id)
    }
  }
  const chosen = chooseCustomers(ids, customers)

  const file = createWriteStream(output)
  const gzip = output.endsWith('.gz') ? createGzip({ level: 9 }) : undefined
  const sink: Writable = gzip ?? file
  const done = gzip ? pipeline(gzip, file) : finished(file)
  done.catch(() => {}) // awaited below
  const kept = { rows: 0, rowsWithoutCustomerId: 0, customers: new Set<string>() }
  const sourceHash = createHash('sha256')
  let header = true
  try {
    for await (const records of readRecords(input, sourceHash)) {
      const copies: Buffer[] = []
      for (const record of records) {
        if (header) header = false
        else if (!keepRecord(record)) continue
        copies.push(record)
      }
      // Buffer.concat copies: the source chunks are not ours to keep.
      if (copies.length && !sink.write(Buffer.concat(copies))) await once(sink, 'drain')
    }
    sink.end()
    await done
  } catch (error) {
    sink.destroy()
    throw error
  }

  function keepRecord(record: Buffer): boolean {
    const id = customerIdOf(record, column)
    if (id === '') {
      if (!keepRowWithoutCustomer(withoutLineEnding(record).toString('utf8'), guestShare)) {
        return false
      }
      kept.rowsWithoutCustomerId++
    } else if (chosen.has(id)) kept.customers.add(id)
    else return false
    kept.rows++
    return true
  }

  const sample = await readFile(output)
  return {
    sourceRows,
    sourceCustomers: ids.size,
    rows: kept.rows,
    customers: kept.customers.size,
    rowsWithoutCustomerId: kept.rowsWithoutCustomerId,
    sourceSha256: sourceHash.digest('hex'),
    sampleSha256: createHash('sha256').update(sample).digest('hex'),
    bytes: sample.length,
  }
}
