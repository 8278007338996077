import { describe, expect, it } from 'vitest'
import { notApplicable, target, targetLine, thresholdText, withUnit } from './targets.ts'

describe('target', () => {
  it('passes or fails by its comparator, the threshold included or not', () => {
    expect(target('rps', 3000, 'req/s', '>=', 3000).passed).toBe(true)
    expect(target('rps', 2999, 'req/s', '>=', 3000).passed).toBe(false)
    expect(target('p99', 10, 'ms', '<', 10).passed).toBe(false)
    expect(target('gzip', 15_000, 'B', '<=', 15_000).passed).toBe(true)
    expect(target('failed', 1, 'requests', '=', 0).passed).toBe(false)
  })

  it('is not evaluated when nothing finite was measured, and says so', () => {
    const t = target('ratio', Number.NaN, 'x', '<=', 0.5)
    expect(t).toMatchObject({ value: null, passed: null })
    expect(t.note).toMatch(/not measured/)
  })

  it('N/A keeps a value measured anyway and the reason', () => {
    const t = notApplicable('wall', 's', '<', 60, '--quick runs the sample', 12.3)
    expect(t).toMatchObject({ value: 12.3, passed: null, note: '--quick runs the sample' })
    expect(targetLine(t)).toBe('target N/A   wall: 12.3 s (target < 60 s); --quick runs the sample')
  })

  it('writes the threshold with its unit', () => {
    expect(thresholdText(target('rps', 1, 'req/s', '>=', 3000))).toBe('≥ 3,000 req/s')
    expect(thresholdText(target('ratio', 1, 'x', '>=', 20))).toBe('≥ 20x')
    expect(withUnit(null, 'ms')).toBe('n/a')
  })
})
