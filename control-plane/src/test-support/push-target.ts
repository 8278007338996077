// Test support: an HTTP endpoint on loopback standing in for an edge worker's PUT /_admin/bundle,
// recording what it receives; it can be told to fail or to be slow.

import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface PushTarget {
  url: string
  received: { headers: Record<string, string | string[] | undefined>; body: Buffer }[]
  /** DELETE /_admin/bundle calls (x-fcv-channel, x-fcv-role headers), as "channel/role". */
  withdrawn: string[]
  /** Requests that have arrived, answered or not. */
  arrived: number
  failWith: number | null
  delayMs: number
  close(): Promise<void>
}

export async function startPushTarget(): Promise<PushTarget> {
  const target: Omit<PushTarget, 'url' | 'close'> = {
    received: [],
    withdrawn: [],
    arrived: 0,
    failWith: null,
    delayMs: 0,
  }
  const server = createServer((req, res) => {
    target.arrived++
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      setTimeout(() => {
        if (req.method === 'DELETE' && req.url === '/_admin/bundle' && target.failWith === null) {
          target.withdrawn.push(`${req.headers['x-fcv-channel']}/${req.headers['x-fcv-role']}`)
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
          return
        }
        if (req.method !== 'PUT' || req.url !== '/_admin/bundle') {
          res.writeHead(404).end()
          return
        }
        if (target.failWith !== null) {
          res.writeHead(target.failWith).end('target failure')
          return
        }
        target.received.push({ headers: req.headers, body: Buffer.concat(chunks) })
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
      }, target.delayMs)
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
