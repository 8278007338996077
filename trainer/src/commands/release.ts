// `fcv release sync|promote|canary|rollback|status`: what CI and admins run against the control
// plane's API to ship a registered model version. Every change first reads the channel's
// deployment: a change that is already in place exits 4 (nothing to do) without a request, so a
// retried CI job never changes anything twice.

import { createHash } from 'node:crypto'
import { canonicalJson, CHANNELS, type Channel } from '@fcv/core'
import {
  apiTarget,
  callApi,
  ReleaseApiError,
  ReleaseError,
  type ApiTarget,
} from '../release/api.ts'
import { formatGateTable, type Gate } from '../release/gate-table.ts'

/** The exit codes CI scripts branch on (2 is commander's usage error). */
export const EXIT = { done: 0, error: 1, gatesFailed: 3, nothingToDo: 4 } as const

/** The serving channels, as the control plane knows them (core's). */
export type ReleaseChannel = Channel

interface DeploymentState {
  championVersion: string | null
  canaryVersion: string | null
  canaryShare: number
  shadowVersion: string | null
}

interface Deployment extends DeploymentState {
  channel: ReleaseChannel
  revision: number
  updatedAt: string
  updatedBy: string
}

interface TargetOutcome {
  target: string
  outcome: string
  detail: string | null
}

interface PromotionResult {
  promotionId: string
  version: string
  channel: ReleaseChannel
  role: 'champion' | 'canary'
  forced: boolean
  gates: Gate[]
  bundle: { digest: string }
  deployment: { revision: number; after: DeploymentState }
  publish: TargetOutcome[]
}

interface ChangeResult {
  revision: number
  before: DeploymentState
  after: DeploymentState
  publish: TargetOutcome[]
}

export interface ReleaseOptions {
  model: string
  version?: string
  channel?: string
  canaryShare?: string
  share?: string
  reason?: string
  force?: boolean
  from?: string
}

export interface ReleaseIo {
  env: Record<string, string | undefined>
  out: (line: string) => void
  err: (line: string) => void
}

const defaultIo: ReleaseIo = {
  env: process.env,
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
}

const modelPath = (model: string) => `/v1/models/${encodeURIComponent(model)}`

function need<K extends keyof ReleaseOptions>(o: ReleaseOptions, key: K, flag: string) {
  const v = o[key]
  if (v === undefined || v === '') throw new ReleaseError(`${flag} is required`)
  return v as NonNullable<ReleaseOptions[K]>
}

function channelOf(o: ReleaseOptions): ReleaseChannel {
  const c = need(o, 'channel', '--channel')
  if (!(CHANNELS as readonly string[]).includes(c)) {
    throw new ReleaseError(`--channel must be ${CHANNELS.join(' or ')}, got "${c}"`)
  }
  return c as ReleaseChannel
}

function versionOf(o: ReleaseOptions): string {
  const v = need(o, 'version', '--version')
  if (!/^[1-9][0-9]{0,9}$/.test(v)) {
    throw new ReleaseError(`--version must be a model version number (1, 2, ...), got "${v}"`)
  }
  return v
}

/** A share flag: a number in [min, 1), named in the error. */
function shareOf(value: string, flag: string, allowZero: boolean): number {
  const n = Number(value)
  const low = allowZero ? n >= 0 : n > 0
  if (value.trim() === '' || !Number.isFinite(n) || !low || n >= 1) {
    throw new ReleaseError(
      `${flag} must be a number ${allowZero ? 'from 0 (stop the canary)' : 'above 0'} and below 1, got "${value}"`
    )
  }
  return n
}

/**
 * The Idempotency-Key of a promotion: the request and the deployment revision it applies to. A
 * retry of the same request against the same state (a CI job re-run after its connection dropped
 * mid-promotion) sends the same key, so the control plane replays or resumes it; once anything
 * changed the channel (this promotion included), the key is new.
 */
export function promotionKey(
  model: string,
  body: { version: string; channel: string; reason: string; canaryShare?: number; force?: boolean },
  fromRevision: number
): string {
  const digest = createHash('sha256')
    .update(canonicalJson({ model, ...body, fromRevision }))
    .digest('hex')
  return `fcv-release-${digest}`
}

async function deployment(
  t: ApiTarget,
  model: string,
  channel: ReleaseChannel
): Promise<Deployment | undefined> {
  const { body } = await callApi<{ deployments: Deployment[] }>(
    t,
    'GET',
    `${modelPath(model)}/deployments`
  )
  return body.deployments.find((d) => d.channel === channel)
}

function describe(d: DeploymentState | undefined): string {
  if (!d?.championVersion) return 'no champion'
  let s = `champion ${d.championVersion}`
  if (d.canaryVersion) s += `, canary ${d.canaryVersion} at ${d.canaryShare}`
  if (d.shadowVersion) s += `, shadow ${d.shadowVersion}`
  return s
}

function publishLines(publish: TargetOutcome[]): string[] {
  return publish.map(
    (p) => `  push target ${p.target}: ${p.outcome}${p.detail ? ` (${p.detail})` : ''}`
  )
}

async function sync(t: ApiTarget, o: ReleaseOptions, io: ReleaseIo): Promise<number> {
  const want = o.version === undefined ? undefined : versionOf(o)
  const { body } = await callApi<{ versions: { version: string; aliases: string[] }[] }>(
    t,
    'POST',
    `${modelPath(o.model)}/sync`
  )
  const list = body.versions.map((v) => v.version).sort((a, b) => Number(a) - Number(b))
  if (want !== undefined && !list.includes(want)) {
    throw new ReleaseError(
      `version ${want} of "${o.model}" is not in MLflow (it has ${list.join(', ') || 'none'})`
    )
  }
  io.out(`synced "${o.model}" from MLflow: versions ${list.join(', ')}`)
  for (const v of body.versions.filter((x) => x.aliases.length > 0)) {
    io.out(`  ${v.version}: ${v.aliases.join(', ')}`)
  }
  return EXIT.done
}

async function promote(t: ApiTarget, o: ReleaseOptions, io: ReleaseIo): Promise<number> {
  const version = versionOf(o)
  const channel = channelOf(o)
  const reason = need(o, 'reason', '--reason')
  const canaryShare =
    o.canaryShare === undefined ? undefined : shareOf(o.canaryShare, '--canary-share', false)
  const current = await deployment(t, o.model, channel)
  if (current?.championVersion === version) {
    io.out(
      `nothing to do: version ${version} is already the ${channel} champion (${describe(current)})`
    )
    return EXIT.nothingToDo
  }
  if (
    canaryShare !== undefined &&
    current?.canaryVersion === version &&
    current.canaryShare === canaryShare
  ) {
    io.out(
      `nothing to do: version ${version} is already the ${channel} canary at ${canaryShare} (${describe(current)})`
    )
    return EXIT.nothingToDo
  }
  const body = {
    version,
    channel,
    reason,
    ...(canaryShare === undefined ? {} : { canaryShare }),
    ...(o.force ? { force: true } : {}),
  }
  const key = promotionKey(o.model, body, current?.revision ?? 0)
  let answer
  try {
    answer = await callApi<PromotionResult>(t, 'POST', `${modelPath(o.model)}/promotions`, {
      body,
      headers: { 'idempotency-key': key },
    })
  } catch (e) {
    const gates = (e as ReleaseApiError).details as { gates?: Gate[] } | undefined
    if (
      e instanceof ReleaseApiError &&
      (e.code === 'gates_failed' || e.code === 'calibrated_window_passed') &&
      Array.isArray(gates?.gates)
    ) {
      for (const l of formatGateTable(gates.gates)) io.out(l)
      io.err(`fcv release: gates failed, nothing shipped: ${e.message}`)
      return EXIT.gatesFailed
    }
    throw e
  }
  const r = answer.body
  for (const l of formatGateTable(r.gates)) io.out(l)
  const replayed = answer.headers.get('idempotent-replayed') === 'true'
  io.out(
    `promoted version ${r.version} of "${o.model}" to ${channel} ${r.role}` +
      (r.role === 'canary' ? ` at ${canaryShare}` : '') +
      (r.forced ? ' (forced over failed gates)' : '') +
      `: revision ${r.deployment.revision}, bundle sha256:${r.bundle.digest}` +
      (replayed ? ' (replayed: this promotion had already run)' : '')
  )
  io.out(`  now: ${describe(r.deployment.after)}`)
  for (const l of publishLines(r.publish)) io.out(l)
  return EXIT.done
}

async function canary(t: ApiTarget, o: ReleaseOptions, io: ReleaseIo): Promise<number> {
  const channel = channelOf(o)
  const share = shareOf(need(o, 'share', '--share'), '--share', true)
  const reason = need(o, 'reason', '--reason')
  const current = await deployment(t, o.model, channel)
  if (!current?.canaryVersion) {
    if (share === 0) {
      io.out(`nothing to do: "${o.model}" has no canary on ${channel} (${describe(current)})`)
      return EXIT.nothingToDo
    }
    throw new ReleaseError(
      `"${o.model}" has no canary on ${channel} to widen (${describe(current)}); start one with ` +
        '`fcv release promote --canary-share S`'
    )
  }
  if (current.canaryShare === share) {
    io.out(`nothing to do: the ${channel} canary is already at ${share} (${describe(current)})`)
    return EXIT.nothingToDo
  }
  const { body: r } = await callApi<ChangeResult>(
    t,
    'PUT',
    `${modelPath(o.model)}/deployments/${channel}/canary`,
    { body: { share, reason } }
  )
  io.out(
    share === 0
      ? `stopped the ${channel} canary (version ${current.canaryVersion}): revision ${r.revision}`
      : `${channel} canary ${current.canaryVersion}: share ${current.canaryShare} -> ${share}, revision ${r.revision}`
  )
  io.out(`  now: ${describe(r.after)}`)
  for (const l of publishLines(r.publish)) io.out(l)
  return EXIT.done
}

async function rollback(t: ApiTarget, o: ReleaseOptions, io: ReleaseIo): Promise<number> {
  const channel = channelOf(o)
  const reason = need(o, 'reason', '--reason')
  if (o.from !== undefined) {
    const from = versionOf({ ...o, version: o.from })
    const current = await deployment(t, o.model, channel)
    if (current?.championVersion !== from) {
      io.out(
        `nothing to do: version ${from} is not the ${channel} champion (${describe(current)}); already rolled back?`
      )
      return EXIT.nothingToDo
    }
  }
  const { body: r } = await callApi<ChangeResult>(t, 'POST', `${modelPath(o.model)}/rollbacks`, {
    body: { channel, reason },
  })
  io.out(
    `rolled back ${channel}: champion ${r.before.championVersion} -> ${r.after.championVersion}, revision ${r.revision}`
  )
  io.out(`  now: ${describe(r.after)}`)
  for (const l of publishLines(r.publish)) io.out(l)
  return EXIT.done
}

async function status(t: ApiTarget, o: ReleaseOptions, io: ReleaseIo): Promise<number> {
  const wanted = o.channel === undefined ? CHANNELS : [channelOf(o)]
  const { body } = await callApi<{ deployments: Deployment[] }>(
    t,
    'GET',
    `${modelPath(o.model)}/deployments`
  )
  for (const channel of wanted) {
    const d = body.deployments.find((x) => x.channel === channel)
    io.out(
      `${channel}: ${describe(d)}` +
        (d ? ` (revision ${d.revision}, ${d.updatedAt} by ${d.updatedBy})` : '')
    )
  }
  return EXIT.done
}

const ACTIONS = { sync, promote, canary, rollback, status }
export type ReleaseAction = keyof typeof ACTIONS

/** Runs one action; resolves to its exit code, throws ReleaseError for exit 1. */
export async function releaseCommand(
  action: ReleaseAction,
  o: ReleaseOptions,
  io: ReleaseIo = defaultIo
): Promise<number> {
  const run = ACTIONS[action]
  if (!run) throw new ReleaseError(`unknown action "${action}"`)
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(o.model)) {
    throw new ReleaseError(
      `--model must be 1 to 100 letters, digits, ".", "_" or "-", got "${o.model}"`
    )
  }
  return run(apiTarget(io.env), o, io)
}
