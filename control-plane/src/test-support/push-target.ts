// Test support: an HTTP endpoint on loopback standing in for an edge worker's admin routes (PUT and
// DELETE /_admin/bundle, GET /_admin/bundles), keeping what it was told in memory as the Worker
// keeps it in KV; it records what it receives and can be told to fail or to be slow. The real
// Worker is exercised against the control plane in edge-worker/integration/.

import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface StandInSlot {
  channel: string
  role: string
  model: string
  version: string
  digest: string
  canaryShare?: number
  stored: boolean
}

export interface PushTarget {
  url: string
  received: { headers: Record<string, string | string[] | undefined>; body: Buffer }[]
  /** DELETE /_admin/bundle calls (x-fcv-channel, x-fcv-role headers), as "channel/role". */
  withdrawn: string[]
  /** What it serves, by "channel/role". */
  slots: Map<string, StandInSlot>
  /** Requests that have arrived, answered or not (GETs included). */
  arrived: number
  /** PUT /_admin/bundle requests that have arrived, answered or not. */
  pushesArrived: number
  /** GET /_admin/bundles calls. */
  reads: number
  failWith: number | null
  delayMs: number
  /** Extra delay before answering GET /_admin/bundles (its answer is what it holds then). */
  readDelayMs: number
  close(): Promise<void>
}

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? ''

export async function startPushTarget(): Promise<PushTarget> {
  const target: Omit<PushTarget, 'url' | 'close'> = {
    received: [],
    withdrawn: [],
    slots: new Map(),
    arrived: 0,
    pushesArrived: 0,
    reads: 0,
    failWith: null,
    delayMs: 0,
    readDelayMs: 0,
  }
  const json = (res: ServerResponse, body: unknown) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  const server = createServer((req, res) => {
    target.arrived++
    if (req.method === 'PUT') target.pushesArrived++
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const read = req.method === 'GET'
      setTimeout(
        () => {
          if (target.failWith !== null) {
            res.writeHead(target.failWith).end('target failure')
            return
          }
          const channel = header(req.headers['x-fcv-channel'])
          const role = header(req.headers['x-fcv-role'])
          if (req.method === 'GET' && req.url === '/_admin/bundles') {
            target.reads++
            json(res, { slots: [...target.slots.values()] })
          } else if (req.method === 'DELETE' && req.url === '/_admin/bundle') {
            target.withdrawn.push(`${channel}/${role}`)
            target.slots.delete(`${channel}/${role}`)
            json(res, { ok: true })
          } else if (req.method === 'PUT' && req.url === '/_admin/bundle') {
            target.received.push({ headers: req.headers, body: Buffer.concat(chunks) })
            const digest = header(req.headers['x-fcv-digest'])
            const share = req.headers['x-fcv-canary-share']
            const before = target.slots.get(`${channel}/canary`)
            target.slots.set(`${channel}/${role}`, {
              channel,
              role,
              model: header(req.headers['x-fcv-model']),
              version: header(req.headers['x-fcv-version']),
              digest,
              ...(role === 'canary'
                ? { canaryShare: share === undefined ? (before?.canaryShare ?? 0) : Number(share) }
                : {}),
              stored: true,
            })
            // As the Worker does: a champion push of the canary's bundle ends the canary.
            if (role === 'champion' && before?.digest === digest) {
              target.slots.delete(`${channel}/canary`)
            }
            json(res, { ok: true })
          } else {
            res.writeHead(404).end()
          }
        },
        target.delayMs + (read ? target.readDelayMs : 0)
      )
    })
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const { port } = server.address() as AddressInfo
  return Object.assign(target, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections()
        server.close(() => ok())
      }),
  })
}
