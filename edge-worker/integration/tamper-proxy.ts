// A loopback proxy between the control plane's edge publisher and the Worker, for the integration
// test: it forwards every request, and can be told to tamper with the next bundle pushes the way an
// attacker on the path (or a corrupted store) would: flip one byte of weights.bin, or re-sign the
// bundle with a key the Worker does not trust.

import {
  base64ToBytes,
  buildBundle,
  type BuildBundleInput,
  bytesToBase64,
  canonicalJson,
  sha256Hex,
  type BundleDocument,
  type SigningKey,
} from '@fcv/core'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export type Tampering = 'none' | 'flip-weight-byte' | 'foreign-key'

export interface TamperProxy {
  url: string
  /** Where requests go; settable, so the proxy can start before the Worker does. */
  target: string
  mode: Tampering
  /** Bundle pushes seen, with what was done to them and the Worker's answer. */
  pushes: { tampering: Tampering; status: number; code: string | null }[]
  close(): Promise<void>
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

async function tamper(
  bytes: Uint8Array,
  mode: Tampering,
  foreign: SigningKey
): Promise<Uint8Array> {
  if (mode === 'none') return bytes
  const doc = JSON.parse(new TextDecoder().decode(bytes)) as BundleDocument
  if (mode === 'flip-weight-byte') {
    const weights = base64ToBytes(doc.files['weights.bin'])
    weights[weights.length >> 1] = weights[weights.length >> 1]! ^ 0x01
    doc.files['weights.bin'] = bytesToBase64(weights)
    return new TextEncoder().encode(canonicalJson(doc))
  }
  // Same model, validly signed, but by a key that is not in the Worker's TRUSTED_KEYS.
  // buildBundle fills in format, formatVersion and files itself.
  const manifest: Partial<BundleDocument['manifest']> = { ...doc.manifest }
  delete manifest.format
  delete manifest.formatVersion
  delete manifest.files
  const built = await buildBundle(
    {
      manifest: manifest as BuildBundleInput['manifest'],
      modelJson: base64ToBytes(doc.files['model.json']),
      weights: base64ToBytes(doc.files['weights.bin']),
    },
    foreign
  )
  return built.bytes
}

function errorCode(body: Buffer): string | null {
  try {
    return (JSON.parse(body.toString()) as { error?: { code?: string } }).error?.code ?? null
  } catch {
    return null
  }
}

export async function startTamperProxy(target: string, foreign: SigningKey): Promise<TamperProxy> {
  const proxy: TamperProxy = {
    url: '',
    target,
    mode: 'none',
    pushes: [],
    close: () => new Promise((done) => server.close(() => done())),
  }
  const server: Server = createServer((req, res) => {
    void (async () => {
      let body: Uint8Array = await readAll(req)
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) {
          headers[k] = v
        }
      }
      const isPush = req.method === 'PUT' && req.url === '/_admin/bundle'
      const tampering = isPush ? proxy.mode : 'none'
      if (tampering !== 'none') {
        body = await tamper(body, tampering, foreign)
        // The digest header follows the new bytes, so only the signature check can catch it.
        if (tampering === 'foreign-key') headers['x-fcv-digest'] = await sha256Hex(body)
      }
      const upstream = await fetch(`${proxy.target}${req.url}`, {
        method: req.method!,
        headers,
        ...(body.length ? { body: body as Uint8Array<ArrayBuffer> } : {}),
      })
      const answer = Buffer.from(await upstream.arrayBuffer())
      if (isPush) {
        const code = upstream.ok ? null : errorCode(answer)
        proxy.pushes.push({ tampering, status: upstream.status, code })
      }
      // fetch has decoded the body: its length and encoding headers no longer apply.
      const back = Object.fromEntries(
        [...upstream.headers].filter(([k]) => !['content-length', 'content-encoding'].includes(k))
      )
      res.writeHead(upstream.status, back)
      res.end(answer)
    })().catch((e: unknown) => {
      res.writeHead(502).end(String(e))
    })
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return proxy
}
