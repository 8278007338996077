import { describe, expect, it } from 'vitest'
import { Hash64Set, fingerprintFields, fingerprintString, type Fingerprint } from './hash64-set.ts'

const fp = (): Fingerprint => ({ h1: 0, h2: 0 })

describe('fingerprintFields', () => {
  it('tells rows apart by field boundaries, not just by their characters', () => {
    const a = { ...fingerprintFields(['ab', 'c'], fp()) }
    const b = { ...fingerprintFields(['a', 'bc'], fp()) }
    const c = { ...fingerprintFields(['abc'], fp()) }
    const d = { ...fingerprintFields(['ab', 'c', ''], fp()) }
    const keys = [a, b, c, d].map((x) => `${x.h1}:${x.h2}`)
    expect(new Set(keys).size).toBe(4)
    expect(fingerprintFields(['ab', 'c'], fp())).toEqual(a)
  })
})

describe('Hash64Set', () => {
  it('adds each fingerprint once and grows past its initial capacity', () => {
    const set = new Hash64Set(16)
    const f = fp()
    let added = 0
    for (let i = 0; i < 100_000; i++) if (set.add(fingerprintString(`k${i}`, f))) added++
    expect(added).toBe(100_000)
    let again = 0
    for (let i = 0; i < 100_000; i += 7) if (set.add(fingerprintString(`k${i}`, f))) again++
    expect(again).toBe(0)
    expect(set.size).toBe(100_000)
  })

  it('stores the all-zero fingerprint even though zero marks an empty slot', () => {
    const set = new Hash64Set()
    expect(set.add({ h1: 0, h2: 0 })).toBe(true)
    expect(set.add({ h1: 0, h2: 0 })).toBe(false)
    expect(set.add({ h1: 0, h2: 2 })).toBe(true)
    expect(set.size).toBe(2)
  })

  it('has no collisions among a million distinct rows', () => {
    const set = new Hash64Set()
    const f = fp()
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
      set.add(fingerprintFields(fields, f))
    }
    expect(set.size).toBe(1_000_000)
  })
})
