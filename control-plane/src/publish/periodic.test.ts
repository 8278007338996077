import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Periodic } from './periodic.ts'

beforeEach(() => {
  vi.useFakeTimers({ now: 0 })
})
afterEach(() => {
  vi.useRealTimers()
})

/** A job that fails `failing` times, then succeeds; records when it ran (ms). */
function job(failing: number) {
  const runs: number[] = []
  return {
    runs,
    fn: async () => {
      runs.push(Date.now())
      return runs.length > failing
    },
  }
}

describe('Periodic', () => {
  it('runs at start, then every interval', async () => {
    const j = job(0)
    const p = new Periodic(j.fn, { intervalMs: 10_000 })
    p.start()
    await vi.advanceTimersByTimeAsync(35_000)
    expect(j.runs).toEqual([0, 10_000, 20_000, 30_000])
    await p.stop()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(j.runs).toHaveLength(4)
  })

  it('retries a failure sooner, doubling from the base, never later than the interval', async () => {
    const j = job(6)
    const p = new Periodic(j.fn, { intervalMs: 10_000, backoffBaseMs: 1000 })
    p.start()
    await vi.advanceTimersByTimeAsync(60_000)
    const gaps = j.runs.slice(1).map((t, i) => t - j.runs[i]!)
    // 1 s, 2 s, 4 s, 8 s, then the 10 s cap (each with up to 25 % jitter below), then every 10 s.
    const nominal = [1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]
    gaps.slice(0, nominal.length).forEach((g, i) => {
      expect(g).toBeGreaterThanOrEqual(nominal[i]! * 0.75)
      expect(g).toBeLessThanOrEqual(nominal[i]!)
    })
    expect(p.failures).toBe(0)
    await p.stop()
  })

  it('runs again at once when nudged, and one run at a time', async () => {
    let inFlight = 0
    let most = 0
    const p = new Periodic(
      async () => {
        most = Math.max(most, ++inFlight)
        await new Promise((r) => setTimeout(r, 500))
        inFlight--
        return true
      },
      { intervalMs: 10_000 }
    )
    p.start()
    await vi.advanceTimersByTimeAsync(1000)
    p.nudge()
    const both = Promise.all([p.runNow(), p.runNow()])
    await vi.advanceTimersByTimeAsync(2000)
    await both
    expect(most).toBe(1)
    expect(p.nextAt).toBeGreaterThan(Date.now())
    await p.stop()
  })
})
