import { describe, expect, it } from 'vitest'
import { StringKeys } from './string-keys.ts'

/** Ids with repeats, runs, long and non-ASCII values, as equal strings built apart. */
function ids(n: number, distinct: number, seed: number): string[] {
  let x = seed
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0)
  const out: string[] = []
  while (out.length < n) {
    const id = next() % distinct
    const text = id % 7 === 0 ? `prodükt-${id}-${'x'.repeat(id % 300)}` : `P${id}`
    for (let r = next() % 3; r >= 0 && out.length < n; r--) out.push(text.slice(0)) // runs
  }
  return out
}

/** What a Map gives: dense keys in order of first appearance. */
function expectedKeys(values: string[]): number[] {
  const m = new Map<string, number>()
  return values.map((v) => {
    if (!m.has(v)) m.set(v, m.size)
    return m.get(v)!
  })
}

describe('StringKeys', () => {
  it('gives the keys a Map gives, through many rehashes', () => {
    const values = ids(50_000, 9_000, 3)
    const keys = new StringKeys()
    expect(values.map((v) => keys.key(v))).toEqual(expectedKeys(values))
    expect(keys.values).toEqual([...new Set(values)])
    expect(keys.usesMap).toBe(false)
  })

  it('keys undefined and the empty string as none, between other ids', () => {
    const keys = new StringKeys()
    const got = ['a', undefined, '', 'b', 'a', '', undefined, 'b'].map((v) => keys.key(v))
    expect(got).toEqual([0, -1, -1, 1, 0, -1, -1, 1])
    expect(keys.values).toEqual(['a', 'b'])
  })

  it('moves to a Map after a long probe and keeps every key it gave', () => {
    const values = ids(20_000, 4_000, 9)
    const keys = new StringKeys(1) // the first collision moves the table
    const got = values.map((v) => keys.key(v))
    expect(keys.usesMap).toBe(true)
    expect(got).toEqual(expectedKeys(values))
    expect(keys.values).toEqual([...new Set(values)])
  })

  it('gives the same keys whatever its seed', () => {
    const values = ids(5_000, 1_000, 21)
    const runs = Array.from({ length: 5 }, () => {
      const keys = new StringKeys()
      return values.map((v) => keys.key(v))
    })
    for (const r of runs) expect(r).toEqual(runs[0])
  })
})
