import { describe, expect, it } from 'vitest'
import { makeProductExclusion } from './product-exclusion.ts'

describe('makeProductExclusion', () => {
  it('matches exact codes (regex characters included) and patterns, and says which', () => {
    const excluded = makeProductExclusion(
      ['POST', 'BANK CHARGES', 'A.B', 'm'],
      ['^TEST', 'GIFT_\\d+$']
    )
    expect(excluded('POST')).toBe('"POST" is in data.exclude_products.codes')
    expect(excluded('BANK CHARGES')).toContain('is in data.exclude_products.codes')
    expect(excluded('A.B')).toContain('codes')
    expect(excluded('AXB')).toBeNull()
    expect(excluded('POSTAGE')).toBeNull()
    expect(excluded('M')).toBeNull()
    expect(excluded('m')).not.toBeNull()
    expect(excluded('TEST001')).toBe('"TEST001" matches data.exclude_products.patterns /^TEST/')
    expect(excluded('GIFT_0001')).toContain('/GIFT_\\d+$/')
    expect(excluded('85048')).toBeNull()
  })

  it('still works with patterns that use backreferences', () => {
    const excluded = makeProductExclusion(['X'], ['^(\\w)\\1$'])
    expect(excluded('AA')).not.toBeNull()
    expect(excluded('AB')).toBeNull()
    expect(excluded('X')).not.toBeNull()
  })

  it('excludes nothing when nothing is configured', () => {
    expect(makeProductExclusion([], [])('POST')).toBeNull()
  })
})
