// Serves the built demo shop (dist/demo) and the widget's files (dist/) on 127.0.0.1 under a strict
// Content-Security-Policy, with the widget's configuration in /config.json: the Worker's bundle URL
// and the key to trust, read from the control plane's GET /v1/signing-keys (or given). Violation
// reports are kept (GET /csp-reports) so the browser tests can assert there are none.
//
//   node web-widget/demo/serve.ts --edge http://127.0.0.1:8787 --control-plane http://127.0.0.1:8080

import { createServer, type Server, type ServerResponse } from 'node:http'
import { readFile } from 'node:fs/promises'
import { extname, join, normalize } from 'node:path'
import { parseArgs } from 'node:util'

export interface DemoServerOptions {
  /** The Worker's origin, e.g. http://127.0.0.1:8787. */
  edgeUrl: string
  /** "keyId:base64" as the widget's trusted-keys attribute takes it. */
  trustedKeys: string
  port?: number
  /** dist/ of the widget build (default: next to this file). */
  dist?: string
}

export interface DemoServer {
  url: string
  cspReports: unknown[]
  close(): Promise<void>
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
}

/** No inline script or style, no eval; scripts and styles from this origin only. */
export function strictCsp(edgeUrl: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ${new URL(edgeUrl).origin}`,
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    'report-uri /csp-report',
  ].join('; ')
}

export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const dist = options.dist ?? join(import.meta.dirname, '../dist')
  const cspReports: unknown[] = []
  const bundleUrl = new URL('/v1/bundle', options.edgeUrl).href
  const config = JSON.stringify({ bundleUrl, trustedKeys: options.trustedKeys })
  const csp = strictCsp(options.edgeUrl)
  // The element's attributes and the signed-in customer's history (?pick=<n>: the n-th demo
  // customer), written into the page as a storefront's template would: the widget scores as soon
  // as its script runs, without waiting for the page's own scripts.
  const customers = JSON.parse(await readFile(join(dist, 'demo', 'customers.json'), 'utf8')) as {
    asOf: string
    customers: { customerId: string; transactions: unknown[] }[]
  }
  const page = (html: Buffer, pick: string | null) => {
    const c = customers.customers[Number(pick ?? 0)] ?? customers.customers[0]!
    const history = JSON.stringify({ customerId: c.customerId, transactions: c.transactions })
    return html
      .toString()
      .replace('{{bundle-url}}', escapeHtml(bundleUrl))
      .replace('{{trusted-keys}}', escapeHtml(options.trustedKeys))
      .replace('{{as-of}}', escapeHtml(customers.asOf))
      .replace('{{history}}', history.replace(/</g, '\\u003c'))
  }
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const path = url.pathname
    if (req.method === 'POST' && path === '/csp-report') {
      let body = ''
      req.on('data', (chunk: Buffer) => {
        if (body.length < 65_536) body += chunk.toString()
      })
      req.on('end', () => {
        try {
          cspReports.push(JSON.parse(body))
        } catch {
          cspReports.push(body)
        }
        res.writeHead(204).end()
      })
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    if (path === '/config.json') return send(res, 200, '.json', config, csp)
    if (path === '/csp-reports') return send(res, 200, '.json', JSON.stringify(cspReports), csp)
    const file = path === '/' ? 'demo/index.html' : normalize(path.slice(1))
    const root = file.startsWith('fcv-widget') ? dist : join(dist, 'demo')
    const local = file.startsWith('fcv-widget') ? file : file.replace(/^demo\//, '')
    if (local.includes('..') || !TYPES[extname(local)]) return send(res, 404, '.json', '{}', csp)
    readFile(join(root, local)).then(
      (bytes) => {
        const body = local === 'index.html' ? page(bytes, url.searchParams.get('pick')) : bytes
        send(res, 200, extname(local), body, csp)
      },
      () => send(res, 404, '.json', '{"error":"not found"}', csp)
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    cspReports,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function send(
  res: ServerResponse,
  status: number,
  ext: string,
  body: string | Buffer,
  csp: string
): void {
  res.writeHead(status, {
    'content-type': TYPES[ext] ?? 'application/octet-stream',
    'content-security-policy': csp,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  })
  res.end(body)
}

/** The first key of the control plane's GET /v1/signing-keys, as "keyId:base64". */
export async function trustedKeysFrom(controlPlaneUrl: string): Promise<string> {
  const res = await fetch(new URL('/v1/signing-keys', controlPlaneUrl))
  if (!res.ok) throw new Error(`GET ${controlPlaneUrl}/v1/signing-keys: HTTP ${res.status}`)
  const { keys } = (await res.json()) as { keys: Record<string, string> }
  return trustedKeysAttribute(keys)
}

/** GET /v1/signing-keys's keys as the widget's trusted-keys attribute: "keyId:base64,...". */
export function trustedKeysAttribute(keys: Record<string, string>): string {
  const entries = Object.entries(keys)
  if (entries.length === 0) throw new Error('the control plane has no signing key configured')
  return entries.map(([id, key]) => `${id}:${key}`).join(',')
}

if (process.argv[1] === import.meta.filename) {
  const { values } = parseArgs({
    options: {
      edge: { type: 'string', default: 'http://127.0.0.1:8787' },
      'control-plane': { type: 'string', default: 'http://127.0.0.1:8080' },
      'trusted-keys': { type: 'string' },
      port: { type: 'string', default: '5173' },
    },
  })
  try {
    const trustedKeys =
      values['trusted-keys'] ?? (await trustedKeysFrom(values['control-plane']).catch(noKey))
    const demo = await startDemoServer({
      edgeUrl: values.edge,
      trustedKeys,
      port: Number(values.port),
    })
    console.log(`fcv demo shop: ${demo.url}/  (widget channel from ${values.edge})`)
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    console.error(
      `fcv demo: ${err.code === 'EADDRINUSE' ? `127.0.0.1:${values.port} is in use (--port N)` : err.message}`
    )
    process.exit(2)
  }
}

function noKey(cause: unknown): never {
  throw new Error(
    `could not read the key to trust from the control plane (${String(cause)}): start it as the ` +
      'README shows, or pass --trusted-keys <keyId>:<public key>',
    { cause }
  )
}
