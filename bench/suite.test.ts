import { describe, expect, it } from 'vitest'
import { BENCHMARKS } from './benchmarks.ts'
import { failureMessage, suiteOrder } from './suite.ts'

describe('suiteOrder', () => {
  it('runs every benchmark, cheapest first for the mode', () => {
    for (const quick of [true, false]) {
      const order = suiteOrder(quick)
      expect([...order].sort()).toEqual(Object.keys(BENCHMARKS).sort())
      const cost = order.map((n) => BENCHMARKS[n]!.seconds[quick ? 'quick' : 'full'])
      expect(cost).toEqual([...cost].sort((a, b) => a - b))
    }
    expect(suiteOrder(false).at(-1)).toBe('seeds')
  })
})

describe('failureMessage', () => {
  it("keeps run.ts's error line and what follows it", () => {
    const stderr =
      'warning: noise\nbench edge: the Worker did not start\n  at start (worker.ts:1)\n'
    expect(failureMessage('edge', 1, stderr, 'lots of stdout')).toBe(
      'exit 1: bench edge: the Worker did not start\n  at start (worker.ts:1)'
    )
  })

  it("falls back to the output's tail", () => {
    expect(failureMessage('edge', 1, '', 'a\nb\nbench edge: FAILED\n')).toBe(
      'exit 1: a\nb\nbench edge: FAILED'
    )
    expect(failureMessage('edge', null, '', '')).toBe('exit by signal: no output')
  })
})
