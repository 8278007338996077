import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { HttpPushPublisher } from './http-push.ts'
import type { PublishedBundle } from './publisher.ts'

const bundle: PublishedBundle = {
  model: 'm',
  version: '3',
  channel: 'edge',
  role: 'champion',
  digest: 'a'.repeat(64),
  bytes: new TextEncoder().encode('{}'),
}

let server: Server | null = null
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())))

/** A worker stand-in that answers the given statuses in turn and counts the pushes. */
async function target(statuses: number[]): Promise<{ url: string; seen: () => number }> {
  let n = 0
  server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const status = statuses[Math.min(n++, statuses.length - 1)]!
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(status < 300 ? { ok: true } : { error: { code: `e${status}` } }))
    })
  })
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen: () => n }
}

describe('HttpPushPublisher', () => {
  it('retries an outage (503, 429) and succeeds when the worker recovers', async () => {
    const t = await target([503, 429, 200])
    await new HttpPushPublisher(t.url, 'tok', { attempts: 4, baseMs: 1 }).publish(bundle)
    expect(t.seen()).toBe(3)
  })

  it('does not retry a refusal (422): the same bundle would be refused again', async () => {
    const t = await target([422, 200])
    const publisher = new HttpPushPublisher(t.url, 'tok', { attempts: 4, baseMs: 1 })
    await expect(publisher.publish(bundle)).rejects.toThrow(/HTTP 422 .*e422/)
    expect(t.seen()).toBe(1)
  })

  it('gives up after the configured attempts and names the target', async () => {
    const t = await target([500])
    const publisher = new HttpPushPublisher(t.url, 'tok', { attempts: 3, baseMs: 1 })
    await expect(publisher.publish(bundle)).rejects.toThrow(`push ${t.url}: HTTP 500`)
    expect(t.seen()).toBe(3)
  })
})
