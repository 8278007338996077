import { describe, expect, it } from 'vitest'
import { FieldEncoder, canonicalText } from './field-record.ts'
import { Hash64Set } from './hash64-set.ts'
import { fingerprint } from './line-split.ts'

const view = (text: string) => {
  const b = Buffer.from(text, 'utf8')
  return new DataView(b.buffer, b.byteOffset, b.length)
}

/** The fingerprint of bytes [start, end) of a view, as a pair. */
function print(v: DataView, start: number, end: number): [number, number] {
  const out = new Int32Array(2)
  fingerprint(v, start, end, out, 0)
  return [out[0] as number, out[1] as number]
}

/** Adds the fingerprint of a string's UTF-8 bytes; true when new. */
const add = (set: Hash64Set, text: string) =>
  set.add(...print(view(text), 0, Buffer.byteLength(text)))

describe('canonical record text', () => {
  it('tells rows apart by field boundaries, not just by their characters', () => {
    const keys = [
      ['ab', 'c'],
      ['a', 'bc'],
      ['abc'],
      ['ab', 'c', ''],
      ['a,b', 'c'],
      ['a', 'b,c'],
    ].map((f) => canonicalText(f, ','))
    expect(new Set(keys).size).toBe(keys.length)
    expect(canonicalText(['a,b', 'c'], ',')).toBe('"a,b",c')
    expect(canonicalText(['say "hi"', 'x\ny'], ',')).toBe('"say ""hi""","x\ny"')
  })

  it('is the line itself for fields without quotes, delimiters or line feeds', () => {
    expect(canonicalText(['489434', '85048', ' 12 ', 'Zoë', ''], ',')).toBe(
      '489434,85048, 12 ,Zoë,'
    )
    expect(canonicalText(['a', 'b,c'], ';')).toBe('a;b,c')
  })

  it('gives the encoded record the canonical text as its key and the fields as ranges', () => {
    const encoder = new FieldEncoder(',')
    for (const fields of [
      ['a', 'b'],
      ['Zoë', '', 'x'],
      ['a,b', 'c"d'],
    ]) {
      const r = encoder.encode(fields)
      const key = canonicalText(fields, ',')
      expect([r.info[5], r.info[6]]).toEqual(print(view(key), 0, Buffer.byteLength(key)))
      const back = fields.map((_, i) => r.buf.toString('utf8', r.start(i), r.end(i)))
      expect(back).toEqual(fields)
      expect(r.count).toBe(fields.length)
    }
  })
})

describe('Hash64Set', () => {
  it('adds each key once and grows past its initial capacity', () => {
    const set = new Hash64Set(16)
    let added = 0
    for (let i = 0; i < 100_000; i++) if (add(set, `k${i}`)) added++
    expect(added).toBe(100_000)
    let again = 0
    for (let i = 0; i < 100_000; i += 7) if (add(set, `k${i}`)) again++
    expect(again).toBe(0)
    expect(set.size).toBe(100_000)
  })

  it('fingerprints a range of a larger buffer the same as the bytes alone', () => {
    const set = new Hash64Set()
    expect(add(set, 'abcdefg')).toBe(true)
    const v = view('xxabcdefgyy')
    expect(set.add(...print(v, 2, 9))).toBe(false)
    expect(set.add(...print(v, 2, 8))).toBe(true) // 'abcdef'
    expect(add(set, '')).toBe(true)
    expect(add(set, '')).toBe(false)
    expect(print(view('abcd'), 0, 4)).not.toEqual(print(view('abcd\0'), 0, 5))
  })

  it('stores any fingerprint, zero halves included', () => {
    const set = new Hash64Set()
    expect(set.add(0, 0)).toBe(true)
    expect(set.add(0, 0)).toBe(false)
    expect(set.add(0, 2)).toBe(true)
    expect(set.add(-1, -1)).toBe(true)
    expect(set.size).toBe(3)
  })

  it('has no collisions among a million distinct rows', () => {
    const set = new Hash64Set()
    const fields = [
      '489434',
      '85048',
      '',
      '12',
      '2009-12-01 07:45:00',
      '6.95',
      '',
      'United Kingdom',
    ]
    for (let i = 0; i < 1_000_000; i++) {
      fields[2] = String(i)
      fields[6] = String(i % 5000)
      add(set, fields.join(','))
    }
    expect(set.size).toBe(1_000_000)
  })
})
