// Test support: an HTTP proxy on loopback in front of a real MLflow server that injects faults
// into chosen requests: a connection cut in the middle of the request body (an interrupted
// upload), or an error status. Everything else is forwarded unchanged.

import { createServer, request as httpRequest, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Forward, drop the connection mid-request, or answer in the server's place. */
export type Fault = 'pass' | 'cut' | { status: number; body?: string }

export interface FaultProxy {
  url: string
  /** Every request seen, as `METHOD path`. */
  seen: string[]
  close(): Promise<void>
}

export async function startFaultProxy(
  target: string,
  rule: (method: string, path: string) => Fault
): Promise<FaultProxy> {
  const to = new URL(target)
  const seen: string[] = []
  const server = createServer((req: IncomingMessage, res) => {
    const path = req.url ?? '/'
    seen.push(`${req.method} ${path}`)
    const fault = rule(req.method ?? 'GET', decodeURIComponent(path))
    if (fault === 'cut') {
      // Let part of the body arrive, then drop the connection without an answer.
      req.once('data', () => req.socket.destroy())
      req.once('end', () => req.socket.destroy())
      return
    }
    if (fault !== 'pass') {
      req.resume()
      req.once('end', () => {
        res.writeHead(fault.status, { 'content-type': 'text/plain' })
        res.end(fault.body ?? `injected fault: HTTP ${fault.status}`)
      })
      return
    }
    const upstream = httpRequest(
      {
        host: to.hostname,
        port: to.port,
        method: req.method,
        path,
        headers: { ...req.headers, host: to.host },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      }
    )
    upstream.on('error', () => req.socket.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections()
        server.close(() => ok())
      }),
  }
}
