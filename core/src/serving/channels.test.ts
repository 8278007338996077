import { describe, expect, it } from 'vitest'
import { CHANNELS, championAlias, championTagPrefix, previousAlias } from './channels.ts'

describe('channels', () => {
  it('name one MLflow alias per channel and role, valid for MLflow and distinct', () => {
    const aliases = CHANNELS.flatMap((c) => [championAlias(c), previousAlias(c)])
    expect(aliases).toEqual([
      'champion-edge',
      'previous-edge',
      'champion-widget',
      'previous-widget',
    ])
    // MLflow: alphanumerics, "_" and "-"; "latest" and "v<n>" are reserved.
    for (const a of aliases) expect(a).toMatch(/^[\w-]+$/)
    expect(championTagPrefix('widget')).toBe('champion.widget.')
  })
})
