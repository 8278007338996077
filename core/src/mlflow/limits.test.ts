import { describe, expect, it } from 'vitest'
import { chunkBatch, LIMITS, repairBatch, truncate, type Batch, type Metric } from './limits.ts'

const metric = (i: number, value = i): Metric => ({
  key: `m${i % 7}`,
  value,
  timestamp: 1,
  step: i,
})

describe('chunkBatch', () => {
  it('keeps every request within the per-kind, total and size limits, in order', () => {
    const batch: Batch = {
      params: Array.from({ length: 230 }, (_, i) => ({ key: `p${i}`, value: 'x'.repeat(5000) })),
      tags: Array.from({ length: 120 }, (_, i) => ({ key: `t${i}`, value: 'é'.repeat(4000) })),
      metrics: Array.from({ length: 2600 }, (_, i) => metric(i)),
    }
    const chunks = chunkBatch(batch)
    for (const c of chunks) {
      expect(c.params.length).toBeLessThanOrEqual(LIMITS.paramsPerBatch)
      expect(c.tags.length).toBeLessThanOrEqual(LIMITS.tagsPerBatch)
      expect(c.metrics.length).toBeLessThanOrEqual(LIMITS.metricsPerBatch)
      expect(c.params.length + c.tags.length + c.metrics.length).toBeLessThanOrEqual(
        LIMITS.entitiesPerBatch
      )
      expect(
        new TextEncoder().encode(JSON.stringify({ run_id: 'r'.repeat(32), ...c })).length
      ).toBeLessThan(1_000_000)
    }
    expect(chunks.flatMap((c) => c.params)).toEqual(batch.params)
    expect(chunks.flatMap((c) => c.tags)).toEqual(batch.tags)
    expect(chunks.flatMap((c) => c.metrics)).toEqual(batch.metrics)
  })

  it('sends nothing for an empty batch', () => {
    expect(chunkBatch({ params: [], metrics: [], tags: [] })).toEqual([])
  })
})

describe('repairBatch', () => {
  it('cuts over-long values to the limit in characters and says which', () => {
    const long = '😀'.repeat(LIMITS.paramValueLength + 5) // 2 UTF-16 units per character
    const { batch, repairs } = repairBatch({
      params: [
        { key: 'short', value: 'ok' },
        { key: 'long', value: long },
      ],
      tags: [{ key: 'note', value: 'n'.repeat(LIMITS.tagValueLength + 1) }],
      metrics: [],
    })
    expect(Array.from(batch.params[1]!.value)).toHaveLength(LIMITS.paramValueLength)
    expect(batch.params[0]).toEqual({ key: 'short', value: 'ok' })
    expect(batch.tags[0]!.value).toHaveLength(LIMITS.tagValueLength)
    expect(repairs.truncatedParams).toEqual(['long'])
    expect(repairs.truncatedTags).toEqual(['note'])
  })

  it('drops NaN and infinite metrics and reports them', () => {
    const { batch, repairs } = repairBatch({
      params: [],
      tags: [],
      metrics: [metric(1, 0.5), metric(2, NaN), metric(3, Infinity), metric(4, -Infinity)],
    })
    expect(batch.metrics.map((m) => m.value)).toEqual([0.5])
    expect(repairs.droppedMetrics.map((m) => m.step)).toEqual([2, 3, 4])
  })

  it('refuses keys MLflow would refuse, naming them', () => {
    const bad = (key: string) => () =>
      repairBatch({ params: [{ key, value: '1' }], metrics: [], tags: [] })
    expect(bad('a;b')).toThrow(/param key "a;b" is not a valid MLflow key/)
    expect(bad('')).toThrow(/param key ""/)
    expect(bad('k'.repeat(251))).toThrow(/not a valid MLflow key/)
    expect(bad('ziln/gini sum.ratio_1-x:y')).not.toThrow()
  })
})

describe('truncate', () => {
  it('leaves short values alone', () => {
    expect(truncate('abc', 3)).toBeNull()
    expect(truncate('abcd', 3)).toBe('abc')
  })
})
