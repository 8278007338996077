// Promotion as `fcv release` makes it (the same code, the same gate table): sync the registry, then
// promote the version on each channel. A refused promotion is forced with a reason naming it, as a
// local demo on a historical log needs, unless the user asked for strict gates.

import { CHANNELS } from '@fcv/core'
import { EXIT, releaseCommand, type ReleaseIo } from '../../trainer/src/commands/release.ts'

export class GatesRefused extends Error {
  readonly exitCode = 3
}

export interface PromoteOptions {
  controlPlaneUrl: string
  adminToken: string
  model: string
  version: string
  strictGates: boolean
  out: (line: string) => void
}

export async function syncAndPromote(o: PromoteOptions): Promise<{ forced: string[] }> {
  const io: ReleaseIo = {
    env: { FCV_CONTROL_PLANE_URL: o.controlPlaneUrl, FCV_RELEASE_TOKEN: o.adminToken },
    out: o.out,
    err: o.out,
  }
  await releaseCommand('sync', { model: o.model, version: o.version }, io)
  const forced: string[] = []
  for (const channel of CHANNELS) {
    const request = { model: o.model, version: o.version, channel }
    const code = await releaseCommand(
      'promote',
      { ...request, reason: `scripts/main.sh: the newly trained version on ${channel}` },
      io
    )
    if (code === EXIT.done || code === EXIT.nothingToDo) continue
    if (code !== EXIT.gatesFailed) throw new Error(`fcv release promote exited ${code}`)
    if (o.strictGates) {
      throw new GatesRefused(
        `the quality gates refused version ${o.version} on ${channel} (table above), and --strict-gates forbids forcing it`
      )
    }
    o.out(
      `forcing the promotion on ${channel}: this is a local run (--strict-gates would stop here)`
    )
    const again = await releaseCommand(
      'promote',
      {
        ...request,
        force: true,
        reason: `scripts/main.sh on a local machine: the gates refused version ${o.version} (a historical log's window has ended, or it does not beat the champion); forced so the local storefront serves what was just trained`,
      },
      io
    )
    if (again !== EXIT.done && again !== EXIT.nothingToDo) {
      throw new Error(`the forced promotion on ${channel} exited ${again}`)
    }
    forced.push(channel)
  }
  return { forced }
}
