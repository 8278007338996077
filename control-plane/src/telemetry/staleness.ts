// Which model versions the fleet still serves after a deployment moved on, and for how long. The
// edge isolates say what they serve in each telemetry report (`serving`), the widgets through the
// model version of their beacons; this compares that with the deployment's history.

import type { Channel } from '@fcv/core'

/** One version reported serving on a channel within the staleness window. */
export interface ServingReport {
  channel: Channel
  modelVersion: string
  /** Edge isolates (or, for the widget, beacon series) that reported it in the window. */
  reporters: number
  /** The first report of it in the window (epoch ms). */
  firstSeen: number
}

/** A deployment revision, reduced to what it served and when it was written. */
export interface ServedRevision {
  channel: Channel
  revision: number
  /** Epoch ms. */
  at: number
  /** The champion, canary and shadow versions of the revision (nulls left out). */
  versions: readonly string[]
}

export interface VersionStaleness {
  channel: Channel
  modelVersion: string
  reporters: number
  /** Deployed now (champion, canary or shadow of the channel's latest revision). */
  current: boolean
  /**
   * Not current: since when it should not serve (epoch ms): the revision that dropped it, or the
   * first report of a version the channel never deployed (the widget's "__other__", a foreign one).
   */
  staleSince: number | null
}

export interface Staleness {
  versions: VersionStaleness[]
  /** Per channel: how long the oldest stale version has been served past its removal (0: none). */
  staleSeconds: Record<Channel, number>
}

/**
 * `revisions` is every revision of the model's deployments (any order). A channel with no revision
 * has nothing current, so anything reported on it is stale from its first report.
 */
export function stalenessOf(
  revisions: readonly ServedRevision[],
  reports: readonly ServingReport[],
  now: number
): Staleness {
  const byChannel = new Map<Channel, ServedRevision[]>()
  for (const r of revisions) {
    const list = byChannel.get(r.channel) ?? []
    list.push(r)
    byChannel.set(r.channel, list)
  }
  for (const list of byChannel.values()) list.sort((a, b) => a.revision - b.revision)

  const staleSeconds: Record<Channel, number> = { edge: 0, widget: 0 }
  const versions = reports.map((report): VersionStaleness => {
    const history = byChannel.get(report.channel) ?? []
    const latest = history.at(-1)
    const current = latest?.versions.includes(report.modelVersion) ?? false
    let staleSince: number | null = null
    if (!current) {
      const lastWith = history.findLastIndex((r) => r.versions.includes(report.modelVersion))
      staleSince = lastWith >= 0 ? history[lastWith + 1]!.at : report.firstSeen
      const seconds = Math.max(0, (now - staleSince) / 1000)
      staleSeconds[report.channel] = Math.max(staleSeconds[report.channel], seconds)
    }
    return { ...report, current, staleSince }
  })
  return { versions, staleSeconds }
}
