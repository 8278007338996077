import { describe, expect, it } from 'vitest'
import { auc } from './auc.ts'

describe('auc', () => {
  it('counts winning pairs', () => {
    // Positive 0.9 beats negatives 0.8 and 0.1; positive 0.4 beats 0.1 only: 3 of 4 pairs.
    expect(auc([1, 0, 1, 0], [0.9, 0.8, 0.4, 0.1])).toBe(0.75)
  })
  it('counts tied pairs as half', () => {
    // (0.5, 0.5) ½ + (0.5 vs 0.2) 1 + (0.2 vs 0.5) 0 + (0.2, 0.2) ½ = 2 of 4.
    expect(auc([1, 0, 1, 0], [0.5, 0.5, 0.2, 0.2])).toBe(0.5)
    // (3 vs 1) 1, (3 vs 3) ½, (2 vs 1) 1, (2 vs 3) 0: 2.5 of 4.
    expect(auc([1, 1, 0, 0], [3, 2, 1, 3])).toBe(0.625)
  })
  it('is 0.5 for a constant score, 1 for a perfect one and 0 reversed', () => {
    expect(auc([1, 0, 0, 1, 0], [7, 7, 7, 7, 7])).toBe(0.5)
    expect(auc([1, 0, 0, 1, 0], [0.9, 0.1, 0.2, 0.8, 0.3])).toBe(1)
    expect(auc([1, 0, 0, 1, 0], [0.1, 0.9, 0.8, 0.2, 0.7])).toBe(0)
  })
  it('is NaN with one class', () => {
    expect(auc([1, 1], [0.2, 0.3])).toBeNaN()
    expect(auc([0], [0.2])).toBeNaN()
  })
  it('validates labels and scores', () => {
    expect(() => auc([1, 2], [0.1, 0.2])).toThrow('auc: labels01[1] = 2 is not 0 or 1')
    expect(() => auc([1, 0], [0.1])).toThrow('auc: scores has length 1 but labels01 has 2')
    expect(() => auc([1, 0], [0.1, Number.NaN])).toThrow('auc: scores[1] = NaN is not finite')
  })
})
