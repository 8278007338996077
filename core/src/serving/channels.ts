// Where a model serves: the channels, each with its own champion (and canary and shadow), and the
// MLflow aliases that name each channel's champion and the one before it. The control plane moves
// these aliases when it promotes or rolls back; `fcv evaluate` scores a candidate against every
// channel's champion, so each channel's gates compare with their own champion.

export const CHANNELS = ['edge', 'widget'] as const
export type Channel = (typeof CHANNELS)[number]

/** What a bundle does on a channel: serves (champion), serves a share (canary), or is only scored. */
export const SERVING_ROLES = ['champion', 'canary', 'shadow'] as const
export type ServingRole = (typeof SERVING_ROLES)[number]

/** The MLflow alias of the version that serves as `channel`'s champion: `champion-edge`. */
export function championAlias(channel: Channel): string {
  return `champion-${channel}`
}

/** The MLflow alias of `channel`'s champion before the current one: `previous-edge`. */
export function previousAlias(channel: Channel): string {
  return `previous-${channel}`
}

/**
 * Model-wide aliases an fcv before per-channel champions set (`champion` was whichever channel was
 * promoted last); the control plane replaces them with the per-channel ones.
 */
export const LEGACY_ALIASES = ['champion', 'previous'] as const

/**
 * The model-version tags `fcv register` writes for the champion of `channel` the candidate was
 * scored against on its own test set: `champion.edge.version`, `champion.edge.gini`, ...
 */
export function championTagPrefix(channel: Channel): string {
  return `champion.${channel}.`
}
