import { describe, expect, it } from 'vitest'
import { CsvByteTokenizer } from './csv-bytes.ts'
import { CsvSyntaxError, CsvTokenizer } from './csv-tokenizer.ts'
import type { FieldRecord } from './field-record.ts'

interface Rec {
  fields: string[]
  line: number
  raw: string
  plain: boolean
}

type Outcome = { records: Rec[]; error?: { message: string; line: number; column: number } }

function caught(e: unknown): Outcome['error'] {
  if (!(e instanceof CsvSyntaxError)) throw e
  return { message: e.message, line: e.line, column: e.column }
}

/** What CsvTokenizer makes of the whole input decoded at once: the reference. */
function reference(bytes: Uint8Array, delimiter = ',', max?: number): Outcome {
  const records: Rec[] = []
  const t = new CsvTokenizer(
    (fields, line, raw) => records.push({ fields, line, raw, plain: false }),
    delimiter,
    max
  )
  try {
    t.push(new TextDecoder().decode(bytes))
    t.end()
  } catch (e) {
    return { records, error: caught(e) }
  }
  return { records }
}

/**
 * CsvByteTokenizer over the given byte chunks. The line sink turns ranges back into strings, and
 * declines the lines `decline` picks, which must then come through the text path unchanged.
 */
function bytewise(
  chunks: readonly Uint8Array[],
  delimiter = ',',
  decline: (n: number) => boolean = () => false,
  max?: number
): Outcome {
  const records: Rec[] = []
  let offered = 0
  const onLine = (r: FieldRecord, line: number) => {
    if (decline(offered++)) return false
    const fields: string[] = []
    for (let i = 0; i < r.count; i++) fields.push(r.buf.toString('latin1', r.start(i), r.end(i)))
    const raw = r.buf.toString('latin1', r.info[r.at] as number, r.info[r.at + 1] as number)
    records.push({ fields, line, raw, plain: true })
    return true
  }
  const t = new CsvByteTokenizer(
    onLine,
    (fields, line, raw) => records.push({ fields, line, raw, plain: false }),
    delimiter,
    max
  )
  try {
    for (const c of chunks) t.push(Buffer.from(c))
    t.end()
  } catch (e) {
    return { records, error: caught(e) }
  }
  return { records }
}

const strip = (o: Outcome) => ({ ...o, records: o.records.map(({ plain: _, ...r }) => r) })

const utf8 = (text: string) => new TextEncoder().encode(text)

/** Every way of cutting bytes into two chunks, plus one chunk per byte. */
function cuts(bytes: Uint8Array): Uint8Array[][] {
  const ways: Uint8Array[][] = [[bytes], Array.from(bytes, (b) => Uint8Array.of(b))]
  for (let i = 0; i <= bytes.length; i++) ways.push([bytes.subarray(0, i), bytes.subarray(i)])
  return ways
}

describe('CsvByteTokenizer', () => {
  it('reads plain lines in place and the rest as text, numbering lines like CsvTokenizer', () => {
    const text = 'h1,h2\n1,2\r\n\n3,"x\ny"\n4,é\n5,6'
    const out = bytewise([utf8(text)])
    expect(strip(out)).toEqual(strip(reference(utf8(text))))
    expect(out.records.map((r) => [r.line, r.plain])).toEqual([
      [1, false], // the first line always goes through the text path
      [2, true],
      [4, false],
      [6, false],
      [7, true],
    ])
    expect(out.records[1]).toMatchObject({ fields: ['1', '2'], raw: '1,2' })
  })

  it('gives the same records for every chunk boundary, BOMs, CRs and multi-byte characters included', () => {
    const text =
      '\uFEFF\uFEFFid,name\r\n1,"Smith, J"\r\n\r\n2,plain\r\n3,Zoë 😀\n\uFEFF4,x\r5,"a\nb",c\n6,last\r'
    const bytes = utf8(text)
    const expected = strip(reference(bytes))
    expect(expected.records.length).toBe(6)
    for (const chunks of cuts(bytes)) expect(strip(bytewise(chunks))).toEqual(expected)
  })

  it('decodes invalid UTF-8 as the whole-stream decoder does, wherever the chunks split it', () => {
    const bytes = Uint8Array.from([
      ...utf8('a,b\n1,'),
      0xe2,
      0x82, // a truncated 3-byte sequence before the line feed
      ...utf8('\n2,'),
      0xff,
      ...utf8('x\n3,'),
      0xf0,
      0x9f,
    ])
    const expected = strip(reference(bytes))
    expect(expected.records.map((r) => r.fields[1])).toEqual(['b', '\uFFFD', '\uFFFDx', '\uFFFD'])
    for (const chunks of cuts(bytes)) expect(strip(bytewise(chunks))).toEqual(expected)
  })

  it('fails on an unclosed quote exactly as CsvTokenizer does', () => {
    const bytes = utf8('a,b\n1,2\n3,"open\nmore\n4,5\n')
    const expected = reference(bytes)
    expect(expected.error).toMatchObject({ line: 3, column: 3 })
    for (const chunks of cuts(bytes)) expect(strip(bytewise(chunks))).toEqual(strip(expected))
  })

  it('uses another delimiter, a non-ASCII one too', () => {
    for (const d of [';', '\t', '|', '§']) {
      const bytes = utf8(`a${d}b\n1${d}2\n"3${d}x"${d}4\n5${d}${d}\n`)
      const expected = strip(reference(bytes, d))
      expect(expected.records[1]?.fields).toEqual(['1', '2'])
      for (const chunks of cuts(bytes)) expect(strip(bytewise(chunks, d))).toEqual(expected)
    }
  })

  it('reads a line declined by the line sink as text, with the same result', () => {
    const bytes = utf8('h,i\n1,2\n3,4\r\n5,6\n7,8')
    const expected = strip(reference(bytes))
    for (let k = 0; k < 5; k++) {
      expect(strip(bytewise([bytes], ',', (n) => n % 5 === k || n > 3))).toEqual(expected)
    }
  })

  it('hands a line longer than the record limit to the text path, which rejects it', () => {
    const head = utf8('a,b\n')
    const long = utf8('x'.repeat(50))
    const chunks = [head, ...Array.from({ length: 10 }, () => long), utf8('\n')]
    const out = bytewise(chunks, ',', () => false, 100)
    expect(out.error?.message).toMatch(
      /^line 2 runs for more than 100 characters without a line feed/
    )
  })

  it('matches CsvTokenizer on random input in random chunks', () => {
    let seed = 7
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff
      return seed % n
    }
    const pieces = [
      'a',
      'b',
      ' ',
      ',',
      ';',
      '"',
      '""',
      '\n',
      '\r\n',
      '\r',
      'é',
      '😀',
      '\uFEFF',
      '12',
    ]
    for (let round = 0; round < 400; round++) {
      const parts: number[] = []
      if (rand(4) === 0) parts.push(0xef, 0xbb, 0xbf)
      for (let i = 0, n = rand(60); i < n; i++) {
        if (rand(40) === 0)
          parts.push(0x80 + rand(128)) // a stray byte: invalid UTF-8
        else parts.push(...utf8(pieces[rand(pieces.length)] as string))
      }
      const bytes = Uint8Array.from(parts)
      const delimiter = rand(3) === 0 ? ';' : ','
      const chunks: Uint8Array[] = []
      for (let i = 0; i < bytes.length;) {
        const n = 1 + rand(9)
        chunks.push(bytes.subarray(i, i + n))
        i += n
      }
      const decline = (n: number) => (n * 7 + round) % 5 === 0
      expect(strip(bytewise(chunks, delimiter, decline))).toEqual(
        strip(reference(bytes, delimiter))
      )
    }
  })
})
