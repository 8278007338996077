import { describe, expect, it } from 'vitest'
import { CsvSyntaxError, CsvTokenizer, type RecordSink, type Tokenizer } from './csv-tokenizer.ts'
import { splitQuotedRecord } from './quoted-record.ts'
import { WhitespaceTokenizer } from './whitespace-tokenizer.ts'

interface Rec {
  fields: string[]
  line: number
  raw: string
}

function run(make: (sink: RecordSink) => Tokenizer, chunks: readonly string[]): Rec[] {
  const out: Rec[] = []
  const t = make((fields, line, raw) => out.push({ fields, line, raw }))
  for (const c of chunks) t.push(c)
  t.end()
  return out
}

const csv = (chunks: readonly string[], delimiter = ',') =>
  run((sink) => new CsvTokenizer(sink, delimiter), chunks)

/** Every way of cutting `text` into two chunks, plus one chunk per character. */
function splits(text: string): string[][] {
  const ways: string[][] = [[text], [...text]]
  for (let i = 0; i <= text.length; i++) ways.push([text.slice(0, i), text.slice(i)])
  return ways
}

describe('CsvTokenizer', () => {
  it('splits plain records and numbers lines from 1', () => {
    expect(csv(['a,b,c\n1,2,3\n'])).toEqual([
      { fields: ['a', 'b', 'c'], line: 1, raw: 'a,b,c' },
      { fields: ['1', '2', '3'], line: 2, raw: '1,2,3' },
    ])
  })

  it('keeps empty fields, including leading and trailing ones', () => {
    expect(csv([',a,,\n']).map((r) => r.fields)).toEqual([['', 'a', '', '']])
  })

  it('reads quoted fields with delimiters and doubled quotes', () => {
    const recs = csv(['x,"a,b","say ""hi""",""\n'])
    expect(recs[0]?.fields).toEqual(['x', 'a,b', 'say "hi"', ''])
    expect(recs[0]?.raw).toBe('x,"a,b","say ""hi""",""')
  })

  it('reads a quoted field spanning lines and reports the line the record starts on', () => {
    const recs = csv(['h1,h2\n1,"two\nlines"\n3,"x\r\ny\n\nz"\n4,end\n'])
    expect(recs.map((r) => [r.line, r.fields])).toEqual([
      [1, ['h1', 'h2']],
      [2, ['1', 'two\nlines']],
      [4, ['3', 'x\r\ny\n\nz']],
      [8, ['4', 'end']],
    ])
    expect(recs[1]?.raw).toBe('1,"two\nlines"')
  })

  it('takes a quote inside an unquoted field, or after a closing quote, literally', () => {
    expect(csv(['a"b,c""d\n"q"x,y\n']).map((r) => r.fields)).toEqual([
      ['a"b', 'c""d'],
      ['qx', 'y'],
    ])
  })

  it('handles CRLF, a missing final line end, blank lines and a BOM', () => {
    const recs = csv(['\uFEFFa,b\r\n\r\n1,"2"\r\n\n3,4'])
    expect(recs).toEqual([
      { fields: ['a', 'b'], line: 1, raw: 'a,b' },
      { fields: ['1', '2'], line: 3, raw: '1,"2"' },
      { fields: ['3', '4'], line: 5, raw: '3,4' },
    ])
  })

  it('strips the BOM only at the very start of the stream', () => {
    expect(csv(['', '\uFEFFa\n', '\uFEFFb\n']).map((r) => r.fields)).toEqual([['a'], ['\uFEFFb']])
  })

  it('uses another delimiter', () => {
    expect(csv(['a;"b;c";d\n'], ';')[0]?.fields).toEqual(['a', 'b;c', 'd'])
    expect(csv(['a\t"b\tc"\n'], '\t')[0]?.fields).toEqual(['a', 'b\tc'])
  })

  it('gives the same records for every chunk boundary', () => {
    const text =
      '\uFEFFid,name,note\r\n1,"Smith, J","said ""yes""\r\nthen left"\r\n\r\n2,plain,x"y\r\n' +
      '3,"",""""\n4,"a\nb",last'
    const expected = csv([text])
    expect(expected.map((r) => r.line)).toEqual([1, 2, 5, 6, 7])
    for (const chunks of splits(text)) expect(csv(chunks)).toEqual(expected)
  })

  it('gives the same records for every three-way split of a small quoted input', () => {
    const text = 'a,"b\r\nc",""""\r\n"x",y\r\n'
    const expected = csv([text])
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j++) {
        expect(csv([text.slice(0, i), text.slice(i, j), text.slice(j)])).toEqual(expected)
      }
    }
  })

  it('fails on an unterminated quote, naming the line and column where it opened', () => {
    const attempt = () => csv(['a,b\n1,2\n3,"open\nmore\n4,5\n'])
    expect(attempt).toThrow(CsvSyntaxError)
    try {
      attempt()
    } catch (e) {
      expect(e).toMatchObject({ line: 3, column: 3 })
      expect((e as Error).message).toContain('opens at line 3, column 3 never closes')
    }
  })

  it('finds the unterminated quote across many chunks without rescanning', () => {
    const rows = Array.from({ length: 2000 }, (_, i) => `${i},x`).join('\n')
    const text = `h,"\n${rows}\n`
    const chunks = text.match(/[\s\S]{1,7}/g) ?? []
    expect(() => csv(chunks)).toThrow(/line 1, column 3/)
  })

  it('gives up on a record longer than its limit, quoted or not', () => {
    const sink = () => {}
    const quoted = new CsvTokenizer(sink, ',', 100)
    quoted.push('a,b\n1,"')
    expect(() => {
      for (let i = 0; i < 20; i++) quoted.push('x\n'.repeat(5))
    }).toThrow(/opens at line 2, column 3 is still open after 100 characters/)
    const oneLine = new CsvTokenizer(sink, ',', 100)
    oneLine.push('a,b\n')
    expect(() => {
      for (let i = 0; i < 30; i++) oneLine.push('x\rx,y\r')
    }).toThrow(/line 2 runs for more than 100 characters .* CR-only line ends/)
  })

  it('joins a long unquoted line that arrives in many chunks', () => {
    const pieces = Array.from({ length: 1000 }, (_, i) => `f${i},`)
    const recs = csv(['h\n', ...pieces, 'end\n', 'next\n'])
    expect(recs[1]?.fields).toHaveLength(1001)
    expect(recs[1]?.fields[999]).toBe('f999')
    expect(recs[2]).toEqual({ fields: ['next'], line: 3, raw: 'next' })
  })

  it('fails on a quote left open at the very end of the input', () => {
    expect(() => csv(['a,"b""'])).toThrow(/line 1, column 3/)
    expect(csv(['a,"b"""'])[0]?.fields).toEqual(['a', 'b"'])
  })

  it('rejects a delimiter that cannot work', () => {
    expect(() => new CsvTokenizer(() => {}, '"')).toThrow(RangeError)
    expect(() => new CsvTokenizer(() => {}, ',,')).toThrow(RangeError)
  })
})

describe('CsvTokenizer on random input', () => {
  it('round-trips random fields written the RFC 4180 way, in random chunks', () => {
    let seed = 42
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff
      return seed % n
    }
    const alphabet = ['a', 'b', ' ', ',', '"', '\n', '\r\n', 'é', '😀']
    for (let round = 0; round < 200; round++) {
      const rows: string[][] = []
      const width = 1 + rand(4)
      for (let r = 0; r < 1 + rand(6); r++) {
        rows.push(
          Array.from({ length: width }, () =>
            Array.from({ length: rand(6) }, () => alphabet[rand(alphabet.length)]).join('')
          )
        )
      }
      const quote = (f: string) =>
        /[",\r\n]/.test(f) || f === '' ? `"${f.replaceAll('"', '""')}"` : f
      const text = rows.map((r) => r.map(quote).join(',')).join(rand(2) ? '\n' : '\r\n')
      const chunks: string[] = []
      for (let i = 0; i < text.length;) {
        const n = 1 + rand(8)
        chunks.push(text.slice(i, i + n))
        i += n
      }
      expect(csv(chunks).map((r) => r.fields)).toEqual(rows)
    }
  })
})

describe('splitQuotedRecord', () => {
  it('splits a vetted record', () => {
    expect(splitQuotedRecord('"a""b",c,"d,e"', ',')).toEqual(['a"b', 'c', 'd,e'])
    expect(splitQuotedRecord('"",', ',')).toEqual(['', ''])
  })
})

describe('WhitespaceTokenizer', () => {
  const ws = (chunks: readonly string[]) => run((sink) => new WhitespaceTokenizer(sink), chunks)

  it('splits on runs of spaces and tabs, trims, skips blank lines, counts every line', () => {
    expect(ws(['\uFEFF  a  b\t\tc  \r\n\n   \n"q" x\n', 'tail 1'])).toEqual([
      { fields: ['a', 'b', 'c'], line: 1, raw: '  a  b\t\tc  ' },
      { fields: ['"q"', 'x'], line: 4, raw: '"q" x' },
      { fields: ['tail', '1'], line: 5, raw: 'tail 1' },
    ])
  })

  it('gives the same records for every chunk boundary', () => {
    const text = 'c1 2011-01-01 5.00\r\n\r\n c2\t2011-01-02  -1\n'
    const expected = ws([text])
    for (const chunks of splits(text)) expect(ws(chunks)).toEqual(expected)
  })
})
