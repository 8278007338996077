import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalJson } from './canonical-json.ts'

/** The same value with the keys of every object inserted in another order. */
function reorder(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => reorder(v, seed + i))
  if (typeof value !== 'object' || value === null) return value
  const entries = Object.entries(value).map(([k, v], i) => [k, reorder(v, seed + i)] as const)
  // A small deterministic shuffle; fromEntries (not assignment) so a "__proto__" key stays a key.
  let s = seed >>> 0
  for (let i = entries.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    const j = s % (i + 1)
    ;[entries[i], entries[j]] = [entries[j]!, entries[i]!]
  }
  return Object.fromEntries(entries)
}

describe('canonicalJson', () => {
  it('sorts keys at every level, keeps array order and writes no whitespace', () => {
    const value = {
      z: [3, { b: true, a: null }, 'x'],
      a: { y: 1.5, x: -0, nested: { d: [], c: {} } },
      m: 'é\n"',
    }
    expect(canonicalJson(value)).toBe(
      '{"a":{"nested":{"c":{},"d":[]},"x":0,"y":1.5},"m":"é\\n\\"","z":[3,{"a":null,"b":true},"x"]}'
    )
    expect(canonicalJson(reorder(value, 7))).toBe(canonicalJson(value))
  })

  it('matches the RFC 8785 examples for numbers, strings and key order', () => {
    // RFC 8785 section 3.2.2 (values) and 3.2.3 (sorting by UTF-16 code units).
    const values = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        '"literals":[null,true,false]}'
    )
    expect(canonicalJson(values)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    const keys = JSON.parse(
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh",' +
        '"1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}'
    )
    // Read the order off the text: JSON.parse would move the integer-like key "1" to the front.
    const order = [...canonicalJson(keys).matchAll(/:"([^"]+)"/g)].map((m) => m[1])
    expect(order).toEqual([
      'Carriage Return',
      'One',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ])
  })

  it('leaves out undefined object properties, as JSON.stringify does', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}')
  })

  it.each([
    ['NaN', { a: [NaN] }, 'NaN has no JSON form at $.a[0]'],
    ['Infinity', { 'm.x': Infinity }, 'at $["m.x"]'],
    ['undefined in an array', [1, undefined], 'undefined has no JSON form at $[1]'],
    ['a hole in an array', [1, , 3], 'at $[1]'], // eslint-disable-line no-sparse-arrays
    ['undefined at the top', undefined, 'at $'],
    ['a function', { f: () => 1 }, 'function has no JSON form at $.f'],
    ['a bigint', { n: 1n }, 'bigint'],
    ['a symbol', { s: Symbol('s') }, 'symbol'],
    ['a Date', { d: new Date(0) }, 'Date is not a plain object at $.d'],
    ['a typed array', { w: new Uint8Array(2) }, 'Uint8Array is not a plain object'],
    ['a lone surrogate', { s: '\ud800' }, 'lone surrogate at $.s'],
    ['a lone surrogate in a key', { '\udc00': 1 }, 'lone surrogate'],
  ])('throws on %s', (_what, value, message) => {
    expect(() => canonicalJson(value)).toThrow(message)
  })

  it('throws on a cycle but accepts a shared (acyclic) reference', () => {
    const shared = { x: 1 }
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}')
    const cyclic: Record<string, unknown> = {}
    cyclic['self'] = cyclic
    expect(() => canonicalJson(cyclic)).toThrow('cycle at $.self')
  })

  it('accepts objects without a prototype', () => {
    const bare = Object.assign(Object.create(null) as object, { b: 2, a: 1 })
    expect(canonicalJson(bare)).toBe('{"a":1,"b":2}')
  })

  it('is a fixed point through JSON.parse and ignores key order (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), fc.integer(), (value, seed) => {
        const text = canonicalJson(value)
        expect(canonicalJson(JSON.parse(text))).toBe(text)
        expect(canonicalJson(reorder(value, seed))).toBe(text)
        // Valid JSON that means the same value.
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)))
      }),
      { numRuns: 300 }
    )
  })
})
