// Which versions the candidate is compared with: each channel's champion, the registered model's
// `champion-<channel>` alias (core's channels.ts), which the control plane moves when it promotes
// or rolls back on that channel. Channels may run different champions, and each channel's gates
// compare the candidate with its own; a version that serves several channels is still downloaded,
// loaded and scored once, and its result reported for each of them.

import {
  CHANNELS,
  championAlias,
  type Channel,
  type LEGACY_ALIASES,
  type MlflowClient,
  type ModelVersion,
} from '@fcv/core'

/** Which version a channel's champion was: metrics.json `champions.<channel>`. */
export interface ChampionRef {
  model_name: string
  version: string
  run_id: string | null
}

/** metrics.json `champions`: every channel, null where it had no champion to score. */
export type ChampionRefs = Record<Channel, ChampionRef | null>

/**
 * A channel's champion among the scored models (metrics.json `models`, the plots' columns, the
 * MLflow metrics `champion_edge/gini`): `champion_edge`.
 */
export function championModelName(channel: Channel): string {
  return `champion_${channel}`
}

/** A version that is the champion of one channel or more. */
export interface ChampionVersion {
  ref: ChampionRef
  /** The channels it is the champion of, in CHANNELS order. */
  channels: Channel[]
  /** Where its files are: the version's source. */
  source: string
  /** `<model> version <n>`, for log lines and errors. */
  label: string
}

/** The alias an fcv before per-channel champions moved on every promotion, on any channel. */
const LEGACY_CHAMPION: (typeof LEGACY_ALIASES)[number] = 'champion'

/**
 * The champion of every channel of `modelName`, one entry per distinct version, with one log line
 * per channel. The model-wide legacy alias is never scored: it names whichever channel was
 * promoted last, so comparing a channel's gates with it would compare with another channel's model.
 */
export async function findChampions(
  client: MlflowClient,
  modelName: string,
  log: (line: string) => void
): Promise<ChampionVersion[]> {
  const byChannel: [Channel, ModelVersion | null][] = []
  for (const channel of CHANNELS) {
    byChannel.push([channel, await client.getVersionByAlias(modelName, championAlias(channel))])
  }
  // Only when no alias resolved is it unknown whether the registered model exists at all.
  const none = byChannel.every(([, v]) => v === null)
  const registered = none ? await client.getRegisteredModel(modelName) : undefined
  const found: ChampionVersion[] = []
  for (const [channel, v] of byChannel) {
    if (!v) {
      log(
        `evaluate: no ${channel} champion to compare with: ` +
          (registered === null
            ? `no registered model "${modelName}" yet`
            : `registered model "${modelName}" has no "${championAlias(channel)}" alias yet`) +
          ` at ${client.trackingUri}`
      )
      continue
    }
    const same = found.find((f) => f.ref.version === v.version)
    if (same) {
      log(
        `evaluate: ${channel} champion is ${same.label} (${v.source}), as for ${same.channels.join(' and ')}: ` +
          'loaded and scored once'
      )
      same.channels.push(channel)
      continue
    }
    const label = `${modelName} version ${v.version}`
    log(`evaluate: ${channel} champion is ${label} (${v.source})`)
    found.push({
      ref: { model_name: modelName, version: v.version, run_id: v.run_id || null },
      channels: [channel],
      source: v.source,
      label,
    })
  }
  const legacy = registered?.aliases?.find((a) => a.alias === LEGACY_CHAMPION)
  if (legacy) {
    log(
      `evaluate: registered model "${modelName}" has only the legacy model-wide "${LEGACY_CHAMPION}" ` +
        `alias (version ${legacy.version}), which is not scored: each channel has its own champion ` +
        `(${CHANNELS.map((c) => `"${championAlias(c)}"`).join(', ')}), and the control plane sets ` +
        'them in its place when it starts'
    )
  }
  return found
}

/** metrics.json `champions` for what was found: every channel, null where none. */
export function championRefs(found: readonly ChampionVersion[]): ChampionRefs {
  const refs = Object.fromEntries(CHANNELS.map((c) => [c, null])) as ChampionRefs
  for (const f of found) for (const c of f.channels) refs[c] = f.ref
  return refs
}

/**
 * The channels' champions a metrics.json names, read back. One written by an fcv before per-channel
 * champions has a model-wide `champion` and no `champions`: that is no per-channel champion.
 */
export function championRefsIn(report: {
  champions?: Partial<Record<Channel, ChampionRef | null>>
}): ChampionRefs {
  return Object.fromEntries(CHANNELS.map((c) => [c, report.champions?.[c] ?? null])) as ChampionRefs
}
