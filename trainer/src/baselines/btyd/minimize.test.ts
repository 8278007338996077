import { describe, expect, it } from 'vitest'
import { minimize } from './minimize.ts'

describe('minimize', () => {
  it('finds the minimum of a badly scaled quadratic', () => {
    const res = minimize(([x, y]) => (x! - 3) ** 2 + 1000 * (y! + 1) ** 2, [0, 0])
    expect(res.converged).toBe(true)
    expect(res.x[0]).toBeCloseTo(3, 5)
    expect(res.x[1]).toBeCloseTo(-1, 5)
  })

  it('finds the minimum of Rosenbrock', () => {
    const res = minimize(([x, y]) => (1 - x!) ** 2 + 100 * (y! - x! * x!) ** 2, [-1.2, 1])
    expect(res.converged).toBe(true)
    expect(res.x[0]).toBeCloseTo(1, 4)
    expect(res.x[1]).toBeCloseTo(1, 4)
  })

  it('backs off from points where the objective is not finite', () => {
    // log barrier: undefined for x <= 0, minimum at x = 1
    const res = minimize(([x]) => (x! > 0 ? x! - Math.log(x!) : Number.NaN), [5])
    expect(res.converged).toBe(true)
    expect(res.x[0]).toBeCloseTo(1, 5)
  })

  it('is deterministic', () => {
    const f = ([x, y, z]: readonly number[]): number =>
      Math.cosh(x! - 1) + (y! - x!) ** 2 + Math.exp(z!) - z!
    expect(minimize(f, [3, -2, 1])).toEqual(minimize(f, [3, -2, 1]))
  })

  it('reports no convergence for an unbounded objective', () => {
    const res = minimize(([x]) => -x!, [0], { maxIterations: 50 })
    expect(res.converged).toBe(false)
    expect(res.message).toMatch(/no convergence/)
  })

  it('refuses a start where the objective is not finite', () => {
    expect(() => minimize(() => Number.NaN, [0])).toThrow(/not finite at the start/)
  })
})
