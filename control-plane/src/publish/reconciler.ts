// The control plane owns the desired state (its deployments); the reconciler converges every push
// target to it: on start, then every interval, and soon after a change that a target missed. Each
// pass reads what the target's store holds (GET /_admin/bundles), plans the difference (plan.ts)
// and pushes or withdraws it. A target that fails is tried again sooner, 1 s, 2 s, 4 s..., never
// later than the interval, so a Worker started late, added, or wiped converges within it.

import { CHANNELS, type Channel } from '@fcv/core'
import { getBundle, listDeployments, type Db } from '../db/index.ts'
import type { Logger } from '../log.ts'
import type { KeyedLock } from './keyed-lock.ts'
import { desiredState, planChanges, type Action, type DesiredState } from './plan.ts'
import { Periodic } from './periodic.ts'
import { PublishError, type Publisher } from './publisher.ts'

/**
 * in_sync: found as desired; converged: made so by this pass; pending: not tried yet;
 * unreachable: no answer or 5xx; refused: it answered and refused (token, signature, digest);
 * failed: the pass itself failed (the database, a bundle missing from the store).
 */
export type TargetState = 'pending' | 'in_sync' | 'converged' | 'unreachable' | 'refused' | 'failed'
export const TARGET_STATES: readonly TargetState[] = [
  'pending',
  'in_sync',
  'converged',
  'unreachable',
  'refused',
  'failed',
]

export interface TargetChange {
  channel: Channel
  role: string
  action: 'push' | 'withdraw'
  version: string
  why: string
  result: 'ok' | 'failed'
  error?: string
}

export interface TargetStatus {
  target: string
  /** The model the targets serve (FCV_MODEL_NAME). */
  model: string
  state: TargetState
  inSync: boolean
  /** When the last pass ended (ISO 8601); null before the first. */
  checkedAt: string | null
  /** When the target was last found or made as desired. */
  lastInSyncAt: string | null
  /** Passes in a row that did not end in sync. */
  failures: number
  nextAttemptAt: string | null
  error: string | null
  /** What the last pass changed (or tried to). */
  changes: TargetChange[]
  /** Channels without a champion here: the target's slots there are left as they are. */
  unmanaged: Channel[]
}

export interface ReconcilerDeps {
  db: Db
  publishers: Publisher[]
  /** The model the push targets serve. */
  model: string
  lock: KeyedLock
  log: Logger
  now?: () => number
}

export interface ReconcilerOptions {
  intervalMs: number
  /** The first retry after a failure; doubles up to the interval. */
  backoffBaseMs?: number
}

interface Target {
  publisher: Publisher
  status: TargetStatus
  periodic: Periodic
}

/** Re-plans at most this often in one pass when the deployment keeps changing under it. */
const MAX_REPLANS = 3

export class Reconciler {
  private readonly targets: Target[]
  private readonly deps: ReconcilerDeps
  private readonly now: () => number
  /** Passes per target and outcome, for fcv_publish_reconciliations_total. */
  readonly counts = new Map<string, Map<TargetState, number>>()

  constructor(deps: ReconcilerDeps, o: ReconcilerOptions) {
    this.deps = deps
    this.now = deps.now ?? Date.now
    this.targets = deps.publishers.map((publisher) => {
      const t: Target = {
        publisher,
        periodic: new Periodic(async () => (await this.pass(t)).inSync, { ...o, now: this.now }),
        status: {
          target: publisher.target,
          model: deps.model,
          state: 'pending',
          inSync: false,
          checkedAt: null,
          lastInSyncAt: null,
          failures: 0,
          nextAttemptAt: null,
          error: null,
          changes: [],
          unmanaged: [],
        },
      }
      return t
    })
  }

  /** Starts the loop: every target is reconciled now, then every interval. */
  start(): void {
    for (const t of this.targets) t.periodic.start()
  }

  /** Stops the loop and waits for the passes in flight. */
  async stop(): Promise<void> {
    await Promise.all(this.targets.map((t) => t.periodic.stop()))
  }

  /** After a deployment change that these targets missed: they are tried again now, not at the interval. */
  nudge(targets: readonly string[]): void {
    for (const t of this.targets) if (targets.includes(t.status.target)) t.periodic.nudge()
  }

  /** One pass over every target now (after any in flight); their statuses after it. */
  async reconcileNow(): Promise<TargetStatus[]> {
    await Promise.all(this.targets.map((t) => t.periodic.runNow()))
    return this.statuses()
  }

  statuses(): TargetStatus[] {
    return this.targets.map((t) => {
      const next = t.periodic.nextAt
      return { ...t.status, nextAttemptAt: next === null ? null : new Date(next).toISOString() }
    })
  }

  private async pass(t: Target): Promise<TargetStatus> {
    const { model } = this.deps
    const before = t.status.state
    let state: TargetState
    let error: string | null = null
    let changes: TargetChange[] = []
    let unmanaged: Channel[] | undefined
    try {
      for (let replans = 0; ; replans++) {
        const desired = await this.desired()
        unmanaged = unmanagedOf(desired)
        const actual = await t.publisher.slots({ attempts: 1 })
        const actions = planChanges(desired, actual)
        if (!actions.length) {
          state = 'in_sync'
          break
        }
        // Under the model's lock, so no promotion interleaves; and only if nothing changed since
        // the plan was made (a change that landed meanwhile is planned again).
        const applied = await this.deps.lock.run(model, async () => {
          const now = await this.desired()
          return sameRevisions(desired, now) ? await this.apply(t.publisher, actions) : null
        })
        if (applied === null) {
          if (replans + 1 < MAX_REPLANS) continue
          throw new Error('the deployment kept changing while the target was reconciled')
        }
        changes = applied.changes
        state = applied.state
        error = applied.error
        break
      }
    } catch (e) {
      state = e instanceof PublishError ? (e.refused ? 'refused' : 'unreachable') : 'failed'
      error = (e as Error).message
    }
    const now = this.now()
    const inSync = state === 'in_sync' || state === 'converged'
    t.status = {
      ...t.status,
      state,
      inSync,
      checkedAt: new Date(now).toISOString(),
      lastInSyncAt: inSync ? new Date(now).toISOString() : t.status.lastInSyncAt,
      failures: inSync ? 0 : t.status.failures + 1,
      error,
      changes,
      unmanaged: unmanaged ?? t.status.unmanaged,
    }
    this.count(t.status.target, state)
    this.report(t.status, before)
    return t.status
  }

  private async desired(): Promise<DesiredState> {
    return desiredState(this.deps.model, await listDeployments(this.deps.db, this.deps.model))
  }

  /** Carries out the plan in order; after a target that stops answering, the rest wait. */
  private async apply(
    publisher: Publisher,
    actions: Action[]
  ): Promise<{ state: TargetState; error: string | null; changes: TargetChange[] }> {
    const changes: TargetChange[] = []
    let state: TargetState = 'converged'
    let error: string | null = null
    for (const a of actions) {
      const change: TargetChange =
        a.kind === 'push'
          ? {
              channel: a.slot.channel,
              role: a.slot.role,
              action: 'push',
              version: a.slot.version,
              why: a.why,
              result: 'ok',
            }
          : {
              channel: a.channel,
              role: a.role,
              action: 'withdraw',
              version: a.version,
              why: a.why,
              result: 'ok',
            }
      changes.push(change)
      try {
        if (a.kind === 'push') {
          const bundle = await getBundle(this.deps.db, a.slot.digest)
          if (!bundle)
            throw new Error(`bundle ${a.slot.digest} is not in the control plane's store`)
          await publisher.publish(
            {
              model: a.slot.model,
              version: a.slot.version,
              channel: a.slot.channel,
              role: a.slot.role,
              digest: bundle.digest,
              bytes: bundle.document,
              ...(a.slot.role === 'canary' ? { canaryShare: a.slot.canaryShare ?? 0 } : {}),
            },
            { attempts: 1 }
          )
        } else {
          await publisher.withdraw(
            { model: this.deps.model, channel: a.channel, role: a.role },
            { attempts: 1 }
          )
        }
      } catch (e) {
        change.result = 'failed'
        change.error = (e as Error).message
        error ??= change.error
        const refused = e instanceof PublishError && e.refused
        state = refused ? 'refused' : e instanceof PublishError ? 'unreachable' : 'failed'
        // A refusal is about this bundle; no answer is about the target: the rest would not land.
        if (!refused) break
      }
    }
    return { state, error, changes }
  }

  private count(target: string, state: TargetState): void {
    const byState = this.counts.get(target) ?? new Map<TargetState, number>()
    byState.set(state, (byState.get(state) ?? 0) + 1)
    this.counts.set(target, byState)
  }

  private report(s: TargetStatus, before: TargetState): void {
    const { log } = this.deps
    const fields = { target: s.target, model: s.model, state: s.state }
    if (s.state === 'converged') {
      log.info(
        {
          ...fields,
          changes: s.changes.map(
            (c) => `${c.action} ${c.channel}/${c.role} v${c.version}: ${c.why}`
          ),
        },
        'publish target converged'
      )
    } else if (!s.inSync && (s.state !== before || s.failures === 1)) {
      log.warn({ ...fields, error: s.error, failures: s.failures }, 'publish target not in sync')
    } else if (s.inSync && before !== 'in_sync' && before !== 'converged' && before !== 'pending') {
      log.info(fields, 'publish target in sync again')
    }
  }
}

function unmanagedOf(desired: DesiredState): Channel[] {
  return CHANNELS.filter((c) => !desired.managed.includes(c))
}

function sameRevisions(a: DesiredState, b: DesiredState): boolean {
  const channels = new Set([...a.managed, ...b.managed])
  return [...channels].every((c) => a.revisions[c] === b.revisions[c])
}
