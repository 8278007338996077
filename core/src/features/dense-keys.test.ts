import { describe, expect, it } from 'vitest'
import { DenseKeySlots } from './dense-keys.ts'

describe('DenseKeySlots', () => {
  it('stores slots per key until cleared, growing for large keys', () => {
    const s = new DenseKeySlots()
    s.clear()
    expect(s.get(3)).toBe(-1)
    s.set(3, 7)
    s.set(5000, 1)
    expect(s.get(3)).toBe(7)
    expect(s.get(5000)).toBe(1)
    expect(s.get(4999)).toBe(-1)
    s.clear()
    expect(s.get(3)).toBe(-1)
    expect(s.get(5000)).toBe(-1)
  })
})
