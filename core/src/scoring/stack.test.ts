import { describe, expect, it } from 'vitest'
import { zilnPredict } from '../model/ziln.ts'
import { stackLogits } from './stack.ts'

const clamps = { maxLogValue: Math.log(1e6), maxSigma: 2 }
// Three rows of head outputs: (buy logit, mu, sigma's softplus argument).
const logits = Float64Array.from([0.4, 5.1, -0.3, -2, 3.2, 0.7, 3, 7.4, 0.1])
const btyd = [120, 0, 4000]

const mean = (l: ArrayLike<number>, i: number) =>
  zilnPredict(l[3 * i]!, l[3 * i + 1]!, l[3 * i + 2]!, clamps).expected

describe('stackLogits', () => {
  it('moves mu so the mean is w x network + (1 - w) x scale x btyd_value, P(buy) and sigma kept', () => {
    const out = new Float64Array(9)
    stackLogits(logits, 3, clamps, { networkWeight: 0.3, btydScale: 1.5 }, btyd, out)
    for (let i = 0; i < 3; i++) {
      const want = 0.3 * mean(logits, i) + 0.7 * 1.5 * btyd[i]!
      expect(mean(out, i) / want - 1).toBeCloseTo(0, 12)
      expect(out[3 * i]).toBe(logits[3 * i])
      expect(out[3 * i + 2]).toBe(logits[3 * i + 2])
    }
  })

  it('is the network alone at weight 1, and writes in place', () => {
    const copy = Float64Array.from(logits)
    stackLogits(copy, 3, clamps, { networkWeight: 1, btydScale: 2 }, btyd, copy)
    for (let i = 0; i < 9; i++) expect(copy[i]).toBeCloseTo(logits[i]!, 14)
  })

  it('leaves a row whose blend is 0 as it is (weight 0, btyd_value 0 or negative)', () => {
    const out = new Float64Array(9)
    stackLogits(logits, 3, clamps, { networkWeight: 0, btydScale: 1 }, [120, -5, 4000], out)
    expect(out[4]).toBe(logits[4])
    expect(mean(out, 0) / 120 - 1).toBeCloseTo(0, 12)
  })
})
