import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { HttpPushPublisher } from './http-push.ts'
import { PublishError, type PublishedBundle } from './publisher.ts'

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
    const e = await publisher.publish(bundle).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(PublishError)
    expect((e as PublishError).message).toMatch(/HTTP 422 .*e422/)
    expect((e as PublishError).refused).toBe(true)
    expect(t.seen()).toBe(1)
  })

  it('gives up after the configured attempts, names the target, and says it was not a refusal', async () => {
    const t = await target([500])
    const publisher = new HttpPushPublisher(t.url, 'tok', { attempts: 3, baseMs: 1 })
    const e = (await publisher.publish(bundle).catch((x: unknown) => x)) as PublishError
    expect(e.message).toBe(`${t.url}: HTTP 500 {"error":{"code":"e500"}}`)
    expect(e.refused).toBe(false)
    expect(t.seen()).toBe(3)
    // The caller may ask for one attempt (the reconciler: its next pass is the retry).
    await expect(publisher.publish(bundle, { attempts: 1 })).rejects.toThrow(PublishError)
    expect(t.seen()).toBe(4)
  })

  it('reports a target that does not answer as not refused', async () => {
    const publisher = new HttpPushPublisher('http://127.0.0.1:9', 'tok', { attempts: 2, baseMs: 1 })
    const e = (await publisher.publish(bundle).catch((x: unknown) => x)) as PublishError
    expect(e.message).toMatch(/^http:\/\/127\.0\.0\.1:9: no answer \(/)
    expect(e.refused).toBe(false)
  })

  it('reads what the target serves, and refuses an answer that is not the slot list', async () => {
    const slots = [
      {
        channel: 'edge',
        role: 'champion',
        model: 'm',
        version: '3',
        digest: 'a'.repeat(64),
        stored: true,
      },
    ]
    server = createServer((req, res) => {
      const ok = req.method === 'GET' && req.url === '/_admin/bundles'
      res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' })
      res.end(ok ? JSON.stringify({ slots }) : '{}')
    })
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    expect(await new HttpPushPublisher(url, 'tok').slots()).toEqual(slots)
    const wrong = new HttpPushPublisher(`${url}/not-the-worker`, 'tok', { attempts: 1 })
    await expect(wrong.slots()).rejects.toThrow('HTTP 404')
  })

  it('shows the target without credentials', () => {
    const p = new HttpPushPublisher('https://user:secret@edge.example/fcv/', 'tok')
    expect(p.target).toBe('https://edge.example/fcv')
  })
})
