import { describe, expect, it } from 'vitest'
import { Random } from '@fcv/core'
import { baggedBlendWeight, blendRmse, type BlendInputs } from './blend.ts'

/** Rows whose label is `truth`'s mean times lognormal noise; network and btyd_value err around it. */
function rows(n: number, seed: number, networkNoise: number, btydNoise: number): BlendInputs {
  const r = new Random(seed)
  const network = new Float64Array(n)
  const btyd = new Float64Array(n)
  const label = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const truth = Math.exp(4 + r.normal())
    label[i] = truth * Math.exp(0.3 * r.normal() - 0.045)
    network[i] = truth * Math.exp(networkNoise * r.normal())
    btyd[i] = truth * Math.exp(btydNoise * r.normal())
  }
  return { network, btyd, label }
}

describe('baggedBlendWeight', () => {
  it('leans on the better of the two predictions', () => {
    expect(baggedBlendWeight(rows(2000, 1, 0.1, 0.8), 7)).toBeGreaterThan(0.85)
    expect(baggedBlendWeight(rows(2000, 2, 0.8, 0.1), 7)).toBeLessThan(0.15)
    const even = baggedBlendWeight(rows(4000, 3, 0.5, 0.5), 7)
    expect(even).toBeGreaterThan(0.35)
    expect(even).toBeLessThan(0.65)
  })

  it('is not carried to an end by one customer the plain argmin follows', () => {
    // two equally good predictions, and one big customer the network alone got right
    const x = rows(1500, 4, 0.4, 0.4)
    const network = Float64Array.from(x.network)
    const btyd = Float64Array.from(x.btyd)
    const label = Float64Array.from(x.label)
    network[0] = 60_000
    btyd[0] = 20_000
    label[0] = 60_000
    const whale = { network, btyd, label }
    const grid = Array.from({ length: 101 }, (_, k) => k / 100)
    const argmin = grid.reduce((a, w) => (blendRmse(whale, w) < blendRmse(whale, a) ? w : a))
    expect(argmin).toBeGreaterThan(0.9)
    const bagged = baggedBlendWeight(whale, 7)
    expect(bagged).toBeLessThan(argmin - 0.1)
    expect(bagged).toBeGreaterThan(0.3)
  })

  it('gives the same weight for the same rows and seed', () => {
    const x = rows(500, 5, 0.3, 0.5)
    expect(baggedBlendWeight(x, 11)).toBe(baggedBlendWeight(x, 11))
  })

  it('scales each blend to the actual total before it is scored', () => {
    // btyd_value is the network's values at a tenth of the level: the same ranking, so equal RMSE
    const x = rows(300, 6, 0.3, 0.3)
    const scaled = { ...x, btyd: Float64Array.from(x.network, (v) => v / 10) }
    expect(blendRmse(scaled, 0)).toBeCloseTo(blendRmse(scaled, 1), 6)
  })

  it('names what is missing', () => {
    const x = rows(10, 7, 0.3, 0.3)
    expect(() => baggedBlendWeight({ ...x, btyd: Array.from(x.btyd).slice(0, 5) }, 1)).toThrow(
      /one network value, btyd_value and label per row \(10, 5 and 10\)/
    )
    const none = new Float64Array(0)
    expect(() => baggedBlendWeight({ network: none, btyd: none, label: none }, 1)).toThrow(
      /needs validation rows/
    )
  })
})
