import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { readExposition } from '../test-support/telemetry.ts'
import { PrebucketedHistogram, rebucket } from './histogram.ts'

function family(maxSeries = 10) {
  const registry = new Registry()
  const h = new PrebucketedHistogram({
    name: 'fcv_edge_test',
    help: 'a test histogram',
    labelNames: ['variant'],
    registry,
    maxSeries,
  })
  const exposed = async () => {
    const e = readExposition(await registry.metrics())
    return e.lines.filter((l) => !l.startsWith('#'))
  }
  return { registry, h, exposed }
}

describe('rebucket', () => {
  it('adds finer buckets up into coarser ones', () => {
    expect(rebucket([1, 2, 5], [1, 2, 3, 4], [2])).toEqual([3, 7])
    expect(rebucket([1, 2, 5], [1, 2, 3, 4], [1, 5])).toEqual([1, 5, 4])
    expect(rebucket([1, 2, 5], [1, 2, 3, 4], [])).toEqual([10])
  })

  it('refuses when a bucket would straddle a bound (not exact)', () => {
    expect(rebucket([1, 2, 5], [1, 2, 3, 4], [3])).toBeNull()
    expect(rebucket([1, 2, 5], [1, 2, 3, 4], [5, 10])).toBeNull()
    expect(rebucket([2], [1, 1], [1, 2])).toBeNull()
  })
})

describe('PrebucketedHistogram', () => {
  it('leaves a label with an empty value out, as Prometheus reads it', async () => {
    const { h, exposed } = family()
    h.add({ variant: '' }, { bounds: [1], counts: [1, 0], sum: 1 })
    expect(await exposed()).toEqual([
      'fcv_edge_test_bucket{le="1"} 1',
      'fcv_edge_test_bucket{le="+Inf"} 1',
      'fcv_edge_test_sum 1',
      'fcv_edge_test_count 1',
    ])
  })

  it('exposes cumulative buckets, +Inf, _sum and _count per label set', async () => {
    const { h, registry, exposed } = family()
    expect(h.add({ variant: 'champion' }, { bounds: [1, 2.5], counts: [1, 2, 3], sum: 20 })).toBe(
      'added'
    )
    h.add({ variant: 'champion' }, { bounds: [1, 2.5], counts: [0, 1, 0], sum: 2 })
    h.add({ variant: 'canary' }, { bounds: [1, 2.5], counts: [4, 0, 0], sum: 0.5 })
    const text = await registry.metrics()
    expect(text).toContain(
      '# HELP fcv_edge_test a test histogram\n# TYPE fcv_edge_test histogram\n'
    )
    expect(await exposed()).toEqual([
      'fcv_edge_test_bucket{variant="champion",le="1"} 1',
      'fcv_edge_test_bucket{variant="champion",le="2.5"} 4',
      'fcv_edge_test_bucket{variant="champion",le="+Inf"} 7',
      'fcv_edge_test_sum{variant="champion"} 22',
      'fcv_edge_test_count{variant="champion"} 7',
      'fcv_edge_test_bucket{variant="canary",le="1"} 4',
      'fcv_edge_test_bucket{variant="canary",le="2.5"} 4',
      'fcv_edge_test_bucket{variant="canary",le="+Inf"} 4',
      'fcv_edge_test_sum{variant="canary"} 0.5',
      'fcv_edge_test_count{variant="canary"} 4',
    ])
  })

  it('creates no series for an empty histogram', async () => {
    const { h, exposed } = family()
    expect(h.add({ variant: 'shadow' }, { bounds: [1], counts: [0, 0], sum: 0 })).toBe('empty')
    expect(h.size).toBe(0)
    expect(await exposed()).toEqual([])
  })

  it('merges finer bounds exactly, and starts a series over on incompatible ones', async () => {
    const { h, exposed } = family()
    h.add({ variant: 'champion' }, { bounds: [1, 5], counts: [1, 1, 1], sum: 10 })
    // A newer worker with a bucket more: its buckets add up into the series' bounds.
    expect(
      h.add({ variant: 'champion' }, { bounds: [1, 2, 5], counts: [1, 1, 1, 1], sum: 9 })
    ).toBe('merged')
    expect(await exposed()).toEqual([
      'fcv_edge_test_bucket{variant="champion",le="1"} 2',
      'fcv_edge_test_bucket{variant="champion",le="5"} 5',
      'fcv_edge_test_bucket{variant="champion",le="+Inf"} 7',
      'fcv_edge_test_sum{variant="champion"} 19',
      'fcv_edge_test_count{variant="champion"} 7',
    ])
    // Bounds that do not include the series' own: the series restarts with them.
    expect(h.add({ variant: 'champion' }, { bounds: [3], counts: [2, 0], sum: 4 })).toBe(
      'restarted'
    )
    expect(await exposed()).toEqual([
      'fcv_edge_test_bucket{variant="champion",le="3"} 2',
      'fcv_edge_test_bucket{variant="champion",le="+Inf"} 2',
      'fcv_edge_test_sum{variant="champion"} 4',
      'fcv_edge_test_count{variant="champion"} 2',
    ])
  })

  it('keeps at most maxSeries label sets; updates to existing ones still count', () => {
    const { h } = family(2)
    const one = { bounds: [1], counts: [1, 0], sum: 1 }
    expect(h.add({ variant: 'a' }, one)).toBe('added')
    expect(h.add({ variant: 'b' }, one)).toBe('added')
    expect(h.add({ variant: 'c' }, one)).toBe('dropped')
    expect(h.add({ variant: 'a' }, one)).toBe('added')
    expect(h.size).toBe(2)
  })

  it('escapes label values so the exposition stays valid', async () => {
    const { h, exposed } = family()
    h.add({ variant: 'a"b\\c\nd' }, { bounds: [], counts: [1], sum: 1 })
    expect(await exposed()).toContain('fcv_edge_test_count{variant="a\\"b\\\\c\\nd"} 1')
  })
})
