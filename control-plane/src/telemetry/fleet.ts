// The fleet's health from the durable telemetry store (every replica's reports): each serving
// model's drift over the sliding window (drift.ts) and which versions are still served after a
// deployment moved on (staleness.ts). The admin pages read it through GET /v1/models/{name}/fleet,
// and Prometheus through the fcv_drift_* and fcv_serving_* gauges (fleet-metrics.ts). Every replica
// computes the same values from the same tables, so the gauges are aggregated with max, not sum.

import { CHANNELS, TrainingProfileSchema, type Channel, type TrainingProfile } from '@fcv/core'
import { getBundleFor } from '../db/bundles.ts'
import { listDeploymentRevisions } from '../db/deployments.ts'
import { listBucketVersions, listServing, sumBuckets, type BucketSum } from '../db/telemetry.ts'
import type { Db } from '../db/types.ts'
import { driftOf, type LiveHistogram, type ModelDrift } from './drift.ts'
import { stalenessOf, type ServedRevision, type ServingReport } from './staleness.ts'
import { NO_MODEL } from './widget-metrics.ts'

export interface FleetOptions {
  /** Drift compares the live histograms of this many seconds with training. */
  windowSeconds: number
  /** A version counts as served when reported within this many seconds. */
  stalenessSeconds: number
  /** The PSI the alerts and the admin pages call drift (0.2, the usual reading). */
  psiThreshold: number
  /** Fewer scored customers than this in the window: too few to alert on. */
  minObservations: number
}

export const DEFAULT_FLEET_OPTIONS: FleetOptions = {
  windowSeconds: 3600,
  stalenessSeconds: 300,
  psiThreshold: 0.2,
  minObservations: 200,
}

/** The windows from the configuration; the thresholds are the alert rules' (k8s/monitoring). */
export function fleetOptions(c: {
  FCV_DRIFT_WINDOW_SECONDS: number
  FCV_STALENESS_WINDOW_SECONDS: number
}): FleetOptions {
  return {
    ...DEFAULT_FLEET_OPTIONS,
    windowSeconds: c.FCV_DRIFT_WINDOW_SECONDS,
    stalenessSeconds: c.FCV_STALENESS_WINDOW_SECONDS,
  }
}

/** One version as reported served on a channel, and by whom. */
export interface ServedVersion {
  channel: Channel
  modelVersion: string
  /** isolate: edge isolates holding it for the channel; page: widget score calls made with it. */
  reporter: 'isolate' | 'page'
  reporters: number
  current: boolean
  staleSince: string | null
}

export interface FleetHealth {
  model: string
  window: { seconds: number; from: string; to: string }
  thresholds: { psi: number; minObservations: number }
  serving: {
    windowSeconds: number
    staleSeconds: Record<Channel, number>
    versions: ServedVersion[]
  }
  drift: ModelDrift[]
}

/** Variants summed: a model's champion and canary traffic are one population. */
function merged(sums: readonly BucketSum[]): LiveHistogram | null {
  const byBounds = new Map<string, LiveHistogram & { counts: number[] }>()
  for (const s of sums) {
    const key = s.bounds.join(',')
    const had = byBounds.get(key)
    if (!had) {
      byBounds.set(key, { bounds: s.bounds, counts: [...s.counts], n: s.n, sum: s.sum })
      continue
    }
    s.counts.forEach((c, i) => (had.counts[i] = (had.counts[i] ?? 0) + c))
    had.n += s.n
    had.sum = had.sum === null || s.sum === null ? null : had.sum + s.sum
  }
  // Two sets of bounds only across a Worker upgrade: the larger part speaks for the window.
  return [...byBounds.values()].sort((a, b) => b.n - a.n)[0] ?? null
}

/** Per feature, the sum whose bounds are the profile's (else the largest). */
function featuresOf(
  sums: readonly BucketSum[],
  profile: TrainingProfile | null
): Map<string, LiveHistogram> {
  const out = new Map<string, LiveHistogram>()
  for (const s of sums) {
    const want = profile?.features.find((f) => f.name === s.name)?.bounds.join(',')
    const had = out.get(s.name)
    if (!had || s.bounds.join(',') === want || (had.bounds.join(',') !== want && s.n > had.n)) {
      out.set(s.name, s)
    }
  }
  return out
}

async function profileOf(db: Db, model: string, version: string): Promise<TrainingProfile | null> {
  const bundle = await getBundleFor(db, model, version)
  const parsed = TrainingProfileSchema.safeParse(bundle?.manifest['profile'])
  return parsed.success ? parsed.data : null
}

export async function fleetHealth(
  db: Db,
  model: string,
  now: number,
  o: FleetOptions = DEFAULT_FLEET_OPTIONS
): Promise<FleetHealth> {
  const to = new Date(now)
  const from = new Date(now - o.windowSeconds * 1000)
  const range = { from, to }
  const profiles = new Map<string, Promise<TrainingProfile | null>>()
  const profile = (v: string) => {
    if (!profiles.has(v)) profiles.set(v, profileOf(db, model, v))
    return profiles.get(v)!
  }

  const drift: ModelDrift[] = []
  const edgeVersions = await listBucketVersions(db, {
    source: 'edge',
    channel: 'edge',
    kinds: ['predicted_value', 'feature'],
    ...range,
  })
  for (const { modelVersion } of edgeVersions) {
    // '' holds features on the Worker's fixed bounds (a model without a profile): no version.
    if (modelVersion === '') continue
    const q = { source: 'edge', channel: 'edge', modelVersion, ...range }
    const p = await profile(modelVersion)
    drift.push(
      driftOf({
        channel: 'edge',
        modelVersion,
        profile: p,
        features: featuresOf(await sumBuckets(db, { ...q, kind: 'feature' }), p),
        value: merged(await sumBuckets(db, { ...q, kind: 'predicted_value' })),
        pBuy: merged(await sumBuckets(db, { ...q, kind: 'predicted_pbuy' })),
      })
    )
  }
  const widgetVersions = await listBucketVersions(db, {
    source: 'widget',
    channel: 'widget',
    kinds: ['widget_predicted_value'],
    ...range,
  })
  for (const { modelVersion } of widgetVersions) {
    if (modelVersion === NO_MODEL) continue
    const q = { source: 'widget', channel: 'widget', modelVersion, ...range }
    drift.push(
      driftOf({
        channel: 'widget',
        modelVersion,
        profile: await profile(modelVersion),
        features: new Map(),
        value: merged(await sumBuckets(db, { ...q, kind: 'widget_predicted_value' })),
        pBuy: null,
      })
    )
  }

  const since = new Date(now - o.stalenessSeconds * 1000)
  const revisions: ServedRevision[] = []
  for (const channel of CHANNELS) {
    for (const r of await listDeploymentRevisions(db, model, channel, { limit: 1000 })) {
      revisions.push({
        channel,
        revision: r.revision,
        at: r.createdAt.getTime(),
        versions: [r.championVersion, r.canaryVersion, r.shadowVersion].filter(
          (v): v is string => v !== null
        ),
      })
    }
  }
  const reports: (ServingReport & { reporter: 'isolate' | 'page' })[] = []
  const isolates = new Map<string, ServingReport & { reporter: 'isolate' }>()
  for (const s of await listServing(db, since)) {
    // A version an isolate holds as champion and as shadow is one version served.
    const key = `${s.channel}\u0000${s.modelVersion}`
    const had = isolates.get(key)
    if (had) {
      had.reporters = Math.max(had.reporters, s.isolates)
      had.firstSeen = Math.min(had.firstSeen, s.firstReportedAt.getTime())
    } else {
      isolates.set(key, {
        channel: s.channel,
        modelVersion: s.modelVersion,
        reporter: 'isolate',
        reporters: s.isolates,
        firstSeen: s.firstReportedAt.getTime(),
      })
    }
  }
  reports.push(...isolates.values())
  const pages = await listBucketVersions(db, {
    source: 'widget',
    channel: 'widget',
    kinds: ['widget_scores'],
    from: since,
    to,
  })
  for (const p of pages) {
    if (p.modelVersion === NO_MODEL) continue
    reports.push({
      channel: 'widget',
      modelVersion: p.modelVersion,
      reporter: 'page',
      reporters: p.n,
      // Buckets are per minute: the first one's start is as close as they can place a page.
      firstSeen: p.firstBucket.getTime(),
    })
  }
  const s = stalenessOf(revisions, reports, now)

  return {
    model,
    window: { seconds: o.windowSeconds, from: from.toISOString(), to: to.toISOString() },
    thresholds: { psi: o.psiThreshold, minObservations: o.minObservations },
    serving: {
      windowSeconds: o.stalenessSeconds,
      staleSeconds: s.staleSeconds,
      versions: s.versions.map((v, i) => ({
        channel: v.channel,
        modelVersion: v.modelVersion,
        reporter: reports[i]!.reporter,
        reporters: v.reporters,
        current: v.current,
        staleSince: v.staleSince === null ? null : new Date(v.staleSince).toISOString(),
      })),
    },
    drift,
  }
}
