// What a push target must be told to reach the desired state: pure, so every case is tested
// without a target. A channel the control plane has no champion on is left as it is (unmanaged):
// it never withdraws a champion, and another system may own that channel.

import { CHANNELS, SERVING_ROLES, type Channel } from '@fcv/core'
import type { Deployment } from '../db/index.ts'
import type { BundleRole, TargetSlot } from './publisher.ts'

export interface DesiredSlot {
  channel: Channel
  role: BundleRole
  model: string
  version: string
  digest: string
  canaryShare?: number
}

export interface DesiredState {
  model: string
  slots: DesiredSlot[]
  /** Channels with a champion: the ones whose every role is reconciled. */
  managed: Channel[]
  /** Each managed channel's deployment revision when read (a change in between re-plans). */
  revisions: Partial<Record<Channel, number>>
}

export type Action =
  | { kind: 'push'; slot: DesiredSlot; why: string }
  | {
      kind: 'withdraw'
      channel: Channel
      role: Exclude<BundleRole, 'champion'>
      version: string
      why: string
    }

/** The desired state of a model's push targets, from its deployments. */
export function desiredState(model: string, deployments: Deployment[]): DesiredState {
  const slots: DesiredSlot[] = []
  const managed: Channel[] = []
  const revisions: Partial<Record<Channel, number>> = {}
  for (const d of deployments) {
    if (d.modelName !== model || !d.championVersion || !d.championBundle) continue
    const channel = d.channel
    managed.push(channel)
    revisions[channel] = d.revision
    slots.push({
      channel,
      role: 'champion',
      model,
      version: d.championVersion,
      digest: d.championBundle,
    })
    if (d.canaryVersion && d.canaryBundle) {
      slots.push({
        channel,
        role: 'canary',
        model,
        version: d.canaryVersion,
        digest: d.canaryBundle,
        canaryShare: d.canaryShare,
      })
    }
    if (d.shadowVersion && d.shadowBundle) {
      slots.push({
        channel,
        role: 'shadow',
        model,
        version: d.shadowVersion,
        digest: d.shadowBundle,
      })
    }
  }
  return { model, slots, managed, revisions }
}

const short = (digest: string) => digest.slice(0, 12)

/** Pushes first (champions before canaries and shadows), then withdrawals. */
export function planChanges(desired: DesiredState, actual: readonly TargetSlot[]): Action[] {
  const pushes: Action[] = []
  const withdrawals: Action[] = []
  for (const channel of CHANNELS) {
    if (!desired.managed.includes(channel)) continue
    for (const role of SERVING_ROLES) {
      const want = desired.slots.find((s) => s.channel === channel && s.role === role)
      const have = actual.find((s) => s.channel === channel && s.role === role)
      if (want) {
        const why = !have
          ? 'missing'
          : have.digest !== want.digest
            ? `serves ${have.model} version ${have.version} (${short(have.digest)}), not version ${want.version} (${short(want.digest)})`
            : !have.stored
              ? `its store no longer holds bundle ${short(want.digest)}`
              : role === 'canary' && (have.canaryShare ?? 0) !== (want.canaryShare ?? 0)
                ? `canary share ${have.canaryShare ?? 0}, not ${want.canaryShare ?? 0}`
                : null
        if (why) pushes.push({ kind: 'push', slot: want, why })
      } else if (have && role !== 'champion') {
        withdrawals.push({
          kind: 'withdraw',
          channel,
          role,
          version: have.version,
          why: `the ${channel} channel has no ${role}`,
        })
      }
    }
  }
  return [...pushes, ...withdrawals]
}
