import { describe, expect, it } from 'vitest'
import { stalenessOf, type ServedRevision, type ServingReport } from './staleness.ts'

const T = Date.parse('2026-12-01T12:00:00Z')
const min = 60_000

const revisions: ServedRevision[] = [
  // Out of order on purpose: the history is sorted by revision.
  { channel: 'edge', revision: 2, at: T + 10 * min, versions: ['2'] },
  { channel: 'edge', revision: 1, at: T, versions: ['1'] },
  { channel: 'edge', revision: 3, at: T + 20 * min, versions: ['2', '3'] },
  { channel: 'widget', revision: 1, at: T, versions: ['1'] },
]

const report = (
  channel: ServingReport['channel'],
  modelVersion: string,
  firstSeen = T
): ServingReport => ({ channel, modelVersion, reporters: 4, firstSeen })

describe('stalenessOf', () => {
  it('finds nothing stale when every reported version is deployed', () => {
    const s = stalenessOf(revisions, [report('edge', '2'), report('edge', '3')], T + 30 * min)
    expect(s.versions.map((v) => v.current)).toEqual([true, true])
    expect(s.staleSeconds).toEqual({ edge: 0, widget: 0 })
  })

  it('dates a stale version from the revision that removed it, not from the latest change', () => {
    // Version 1 left at revision 2 (T + 10 min); revision 3 (T + 20 min) changed something else.
    const s = stalenessOf(revisions, [report('edge', '1'), report('edge', '2')], T + 30 * min)
    expect(s.versions[0]).toMatchObject({
      modelVersion: '1',
      current: false,
      staleSince: T + 10 * min,
    })
    expect(s.versions[1]).toMatchObject({ current: true, staleSince: null })
    expect(s.staleSeconds.edge).toBe(20 * 60)
    expect(s.staleSeconds.widget).toBe(0)
  })

  it('a rolled-back version is stale again once it is no longer deployed', () => {
    const rolledBack: ServedRevision[] = [
      ...revisions,
      { channel: 'edge', revision: 4, at: T + 40 * min, versions: ['1'] },
      { channel: 'edge', revision: 5, at: T + 50 * min, versions: ['3'] },
    ]
    const s = stalenessOf(rolledBack, [report('edge', '1')], T + 55 * min)
    expect(s.versions[0]!.staleSince).toBe(T + 50 * min)
    expect(s.staleSeconds.edge).toBe(5 * 60)
  })

  it('a version the channel never deployed is stale from its first report', () => {
    const s = stalenessOf(
      revisions,
      [report('widget', '__other__', T + 5 * min), report('widget', '1')],
      T + 8 * min
    )
    expect(s.versions[0]).toMatchObject({ current: false, staleSince: T + 5 * min })
    expect(s.staleSeconds.widget).toBe(3 * 60)
  })

  it('everything is stale on a channel with no deployment', () => {
    const s = stalenessOf([], [report('edge', '7', T)], T + 1000)
    expect(s.versions[0]!.current).toBe(false)
    expect(s.staleSeconds.edge).toBe(1)
  })
})
