import { customerHash } from '@fcv/core'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { RecordSplitter, parseCsvRecord, withoutLineEnding } from './csv-records.ts'
import { chooseCustomers, cutSample, keepRowWithoutCustomer } from './cut.ts'

const dir = mkdtempSync(join(tmpdir(), 'fcv-sample-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const HEADER = 'Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n'

/** A small log: 12 customers with 3 rows each, a multi-line quoted field, guest rows, a CRLF. */
function fixture(): { text: string; rowsOf: Map<string, string[]>; guests: string[] } {
  const rowsOf = new Map<string, string[]>()
  const guests: string[] = []
  const lines: string[] = [HEADER]
  for (let n = 0; n < 3; n++) {
    for (let c = 0; c < 12; c++) {
      const id = String(12000 + c * 7)
      const description =
        c === 3 && n === 1 ? '"GIFT WRAP, ""RETRO""\nSECOND LINE"' : `ITEM ${c}-${n}`
      const ending = c === 5 && n === 2 ? '\r\n' : '\n'
      const row = `${500000 + n},2${c}001,${description},${n + 1},2010-01-0${n + 1} 10:00:00,1.25,${id},United Kingdom${ending}`
      lines.push(row)
      rowsOf.set(id, [...(rowsOf.get(id) ?? []), row])
    }
    for (let g = 0; g < 40; g++) {
      const row = `${600000 + n * 100 + g},85123A,"HEART, WHITE",${g},2010-01-0${n + 1} 11:00:00,2.55,,France\n`
      lines.push(row)
      guests.push(row)
    }
  }
  return { text: lines.join(''), rowsOf, guests }
}

describe('RecordSplitter', () => {
  it('splits on line feeds outside quotes only, whatever the chunk boundaries', () => {
    const text = 'a,b\n1,"x\ny"\n2,"he said ""hi"""\r\n3,last'
    const bytes = Buffer.from(text)
    for (let size = 1; size <= bytes.length; size++) {
      const splitter = new RecordSplitter()
      const records: string[] = []
      for (let i = 0; i < bytes.length; i += size) {
        records.push(...splitter.push(bytes.subarray(i, i + size)).map(String))
      }
      records.push(...splitter.end().map(String))
      expect(records).toEqual(['a,b\n', '1,"x\ny"\n', '2,"he said ""hi"""\r\n', '3,last'])
    }
    const crlf = withoutLineEnding(Buffer.from('2,"he said ""hi"""\r\n')).toString()
    expect(parseCsvRecord(crlf)).toEqual(['2', 'he said "hi"'])
  })
})

describe('cutSample', () => {
  it('keeps the header and every row of the customers with the smallest hashes, byte for byte', async () => {
    const { text, rowsOf, guests } = fixture()
    const input = join(dir, 'log.csv.gz')
    writeFileSync(input, gzipSync(text))
    const output = join(dir, 'sample.csv.gz')
    const summary = await cutSample({ input, output, customers: 4, guestShare: 0.25 })

    const ids = [...rowsOf.keys()]
    const expected = [...ids].sort((a, b) => customerHash(a) - customerHash(b)).slice(0, 4)
    expect([...chooseCustomers(ids, 4)].sort()).toEqual([...expected].sort())
    const chosenRows = (line: string) => expected.some((id) => rowsOf.get(id)?.includes(line))
    const keptGuests = guests.filter((g) => keepRowWithoutCustomer(g.slice(0, -1), 0.25))
    expect(keptGuests.length).toBeGreaterThan(0)
    expect(keptGuests.length).toBeLessThan(guests.length)
    // The expected sample is the source filtered in order: header, chosen rows, chosen guest rows.
    const source = fixture().text
    const records = [HEADER, ...source.slice(HEADER.length).split(/(?<=\n)(?=\d)/)]
    const wanted = records.filter((r, i) => i === 0 || chosenRows(r) || keptGuests.includes(r))
    const sample = gunzipSync(readFileSync(output))
    expect(sample.equals(Buffer.from(wanted.join('')))).toBe(true)

    expect(summary).toMatchObject({
      sourceRows: 36 + 120,
      sourceCustomers: 12,
      customers: 4,
      rows: 12 + keptGuests.length,
      rowsWithoutCustomerId: keptGuests.length,
    })
  })

  it('keeps a quoted multi-line field whole and chooses the same rows on every run', async () => {
    const { text, rowsOf } = fixture()
    const input = join(dir, 'plain.csv')
    writeFileSync(input, text)
    const multiLineOwner = String(12000 + 3 * 7)
    // Enough customers to be sure the owner of the multi-line row is among them.
    const a = await cutSample({ input, output: join(dir, 'a.csv'), customers: 12, guestShare: 0 })
    const b = await cutSample({ input, output: join(dir, 'b.csv'), customers: 12, guestShare: 0 })
    expect(a.sampleSha256).toBe(b.sampleSha256)
    const sample = readFileSync(join(dir, 'a.csv'), 'utf8')
    expect(sample).toBe(HEADER + text.slice(HEADER.length).replace(/^6\d+,.*\n/gm, ''))
    for (const row of rowsOf.get(multiLineOwner) ?? []) expect(sample).toContain(row)
    expect(sample).toContain('"GIFT WRAP, ""RETRO""\nSECOND LINE"')
    expect(a.rows).toBe(36)
  })

  it('refuses a log without the customer column', async () => {
    const input = join(dir, 'nocol.csv')
    writeFileSync(input, 'a,b\n1,2\n')
    await expect(
      cutSample({ input, output: join(dir, 'x.csv'), customers: 1, customerColumn: 'Customer ID' })
    ).rejects.toThrow(/no column/)
  })
})
