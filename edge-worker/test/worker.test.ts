// The deployed shape: the default export as wrangler.toml configures it (no test overrides).
import { createScorer, WIDGET_BEACON_BOUNDS, WIDGET_BEACON_SCHEMA } from '@fcv/core'
import { exports } from 'cloudflare:workers'
import { describe, expect, it, vi } from 'vitest'
import { createApp } from '../src/app.ts'

const worker = exports.default

describe('the worker from wrangler.toml', () => {
  it('builds its app without what workerd forbids at module scope (random values, timers, the clock)', () => {
    // The pool runs the module inside a handler, so it would not notice; wrangler dev and deploy do.
    const forbidden = [
      vi.spyOn(crypto, 'randomUUID'),
      vi.spyOn(crypto, 'getRandomValues'),
      vi.spyOn(globalThis, 'setTimeout'),
      vi.spyOn(Date, 'now'),
    ]
    try {
      createApp({ createScorer })
      for (const spy of forbidden) expect(spy).not.toHaveBeenCalled()
    } finally {
      for (const spy of forbidden) spy.mockRestore()
    }
  })

  it('is up', async () => {
    const res = await worker.fetch('http://edge.test/healthz')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true })
  })

  it('answers /v1/predict with 503 and Retry-After before any bundle is published', async () => {
    const res = await worker.fetch('http://edge.test/v1/predict', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://shop.test' },
      body: JSON.stringify({ customers: [{ customerId: 'c1', features: [1, 2, 3] }] }),
    })
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('30')
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(await res.json()).toMatchObject({ error: { code: 'no_model' } })
  })

  it('takes a widget beacon, its rate limiter bound from wrangler.toml', async () => {
    const res = await worker.fetch('http://edge.test/v1/beacon', {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8', 'cf-connecting-ip': '192.0.2.7' },
      body: JSON.stringify({
        schema: WIDGET_BEACON_SCHEMA,
        model: null,
        series: [
          {
            modelVersion: null,
            variant: 'champion',
            outcome: 'no_model',
            n: 1,
            latencyMs: Array(WIDGET_BEACON_BOUNDS.latencyMs.length + 1).fill(0),
            expected: Array(WIDGET_BEACON_BOUNDS.expected.length + 1).fill(0),
          },
        ],
      }),
    })
    expect(res.status).toBe(204)
  })

  it('keeps the admin route closed without a configured publisher token', async () => {
    const res = await worker.fetch('http://edge.test/_admin/bundle', {
      method: 'PUT',
      headers: {
        authorization: 'Bearer anything',
        'x-fcv-channel': 'edge',
        'x-fcv-role': 'champion',
      },
      body: '{}',
    })
    expect(res.status).toBe(401)
  })

  it('answers unknown routes with the JSON error envelope', async () => {
    const res = await worker.fetch('http://edge.test/nope')
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } })
  })
})
