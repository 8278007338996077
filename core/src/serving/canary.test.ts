import { describe, expect, it } from 'vitest'
import { customerBucket, inCanary } from './canary.ts'

describe('canary assignment', () => {
  it('is stable: fixed values for fixed ids (edge and widget must agree)', () => {
    expect(customerBucket('12346')).toBe(customerBucket('12346'))
    expect(
      [customerBucket(''), customerBucket('12346'), customerBucket('Zoë')].map((x) => x.toFixed(6))
    ).toEqual(['0.668922', '0.619829', '0.300787'])
  })

  it('sends about `share` of the customers to the canary, also for sequential ids', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => String(12_000 + i))
    for (const share of [0.01, 0.1, 0.25, 0.5]) {
      const n = ids.filter((id) => inCanary(id, share)).length / ids.length
      expect(Math.abs(n - share)).toBeLessThan(0.01)
    }
    expect(ids.some((id) => inCanary(id, 0))).toBe(false)
  })

  it('keeps a canary customer in the canary when the share grows', () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => `c-${i}`)
    for (const id of ids) if (inCanary(id, 0.1)) expect(inCanary(id, 0.3)).toBe(true)
  })

  it('stays in [0, 1)', () => {
    for (let i = 0; i < 5000; i++) {
      const b = customerBucket(`x${i}`)
      expect(b).toBeGreaterThanOrEqual(0)
      expect(b).toBeLessThan(1)
    }
  })
})
