// The widget end to end in headless Chromium: the built demo shop (script-tag build, loaded async,
// under a strict CSP) against the built Worker in workerd, with promotions made through the real
// control plane. The widget must agree with the Worker's POST /v1/predict to the last bit, follow
// the widget channel, refuse bundles it cannot verify while the last good model keeps scoring, and
// send nothing about a customer anywhere.

import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  buildBundle,
  createScorer,
  generateSigningKey,
  importSigningKey,
  verifyBundle,
  type Prediction,
  type PredictWarning,
} from '@fcv/core'
import type { BrowserContext, Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { exampleMetadata, saveModel, zilnNetwork } from '../../core/src/scoring/test-models.ts'
import type { PredictionEventDetail } from '../src/element.ts'
import type { WidgetErrorDetail } from '../src/errors.ts'
import { STACK_WINDOW, startWidgetStack, type WidgetStack } from './stack.ts'

interface DemoCustomer {
  customerId: string
  label: string
  transactions: { timestamp: number; amountMinor: number }[]
}
const demoData = JSON.parse(
  readFileSync(join(import.meta.dirname, '../demo/customers.json'), 'utf8')
) as { asOf: string; customers: DemoCustomer[] }
const customers = demoData.customers
export const ARTIFACTS = join(import.meta.dirname, 'artifacts')

let stack: WidgetStack
let context: BrowserContext
/** Every request any page of the shared context made, with its body. */
const requests: { url: string; method: string; body: string; type: string }[] = []
const v: string[] = []

type Event =
  | { type: 'fcv:prediction'; detail: PredictionEventDetail; at: number }
  | { type: 'fcv:error'; detail: WidgetErrorDetail; at: number }
  | { type: 'csp'; detail: { directive: string; blocked: string }; at: number }

// Runs in every page before its scripts: records the widget's events and any CSP violation.
const RECORDER = () => {
  const w = window as unknown as { __fcv: unknown[] }
  w.__fcv = []
  for (const type of ['fcv:prediction', 'fcv:error']) {
    document.addEventListener(type, (e) =>
      w.__fcv.push({ type, detail: (e as CustomEvent).detail, at: performance.now() })
    )
  }
  // Layout shifts (Chromium's Layout Instability API): the badge must not move the page.
  const shifts = window as unknown as { __shift: number }
  shifts.__shift = 0
  const shifted = window as unknown as { __shifted: string[] }
  shifted.__shifted = []
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const shift = entry as unknown as { value: number; sources?: { node?: Node }[] }
      shifts.__shift += shift.value
      for (const source of shift.sources ?? []) {
        const node = source.node as Element | undefined
        shifted.__shifted.push(
          `${node?.nodeName ?? '?'}#${node?.id ?? ''}.${node?.className ?? ''}`
        )
      }
    }
  }).observe({ type: 'layout-shift', buffered: true })
  document.addEventListener('securitypolicyviolation', (e) =>
    w.__fcv.push({
      type: 'csp',
      detail: { directive: e.violatedDirective, blocked: e.blockedURI },
      at: performance.now(),
    })
  )
}

async function newContext(): Promise<BrowserContext> {
  const ctx = await stack.browser.newContext()
  await ctx.addInitScript(RECORDER)
  ctx.on('request', (r: Request) =>
    requests.push({
      url: r.url(),
      method: r.method(),
      body: r.postData() ?? '',
      type: r.resourceType(),
    })
  )
  return ctx
}

/** Opens the demo as `customerId` and waits for the widget's first fcv:prediction (or error). */
async function open(customerId: string, ctx = context): Promise<{ page: Page; events: Event[] }> {
  const page = await ctx.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.goto(
    `${stack.demo.url}/?pick=${customers.findIndex((c) => c.customerId === customerId)}`
  )
  await page
    .waitForFunction(
      () =>
        (window as unknown as { __fcv: { type: string }[] }).__fcv.some(
          (e) => e.type === 'fcv:prediction'
        ),
      undefined,
      { timeout: 15_000 }
    )
    .catch(() => {})
  const events = (await page.evaluate(
    () => (window as unknown as { __fcv: Event[] }).__fcv
  )) as Event[]
  expect(errors, 'page errors').toEqual([])
  return { page, events }
}

const predictionOf = (events: Event[]) =>
  events.find((e): e is Extract<Event, { type: 'fcv:prediction' }> => e.type === 'fcv:prediction')
    ?.detail

/** The Worker's answer for one demo customer, as the page's widget scores it. */
async function workerAnswer(c: DemoCustomer) {
  const res = await fetch(`${stack.worker.url}/v1/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      customers: [{ customerId: c.customerId, transactions: c.transactions }],
      asOf: demoData.asOf,
    }),
  })
  const body = (await res.json()) as {
    warnings: PredictWarning[]
    predictions: (Prediction & { variant: string })[]
  }
  expect(res.status, JSON.stringify(body)).toBe(200)
  return body
}

async function workerPredict(c: DemoCustomer): Promise<Prediction & { variant: string }> {
  return (await workerAnswer(c)).predictions[0]!
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  stack = await startWidgetStack(inject('mlflowUri'), 2)
  v.push(...stack.versions)
  // The same version on both channels: the widget and the Worker must then agree exactly.
  await stack.promote(v[0]!, 'edge')
  await stack.promote(v[0]!, 'widget')
  context = await newContext()
}, 240_000)

afterAll(async () => {
  await context?.close()
  await stack?.close()
})

describe('the widget in Chromium against the built Worker', () => {
  it('predicts exactly what POST /v1/predict answers, for every demo customer, warnings included', async () => {
    expect(customers.length).toBeGreaterThanOrEqual(5)
    for (const c of customers) {
      const { page, events } = await open(c.customerId)
      const detail = predictionOf(events)
      expect(detail, JSON.stringify(events)).toBeDefined()
      expect(detail!.model.version).toBe(v[0])
      const fromWorker = await workerAnswer(c)
      expect(detail!.prediction).toEqual(fromWorker.predictions[0])
      expect(detail).toMatchObject({
        asOf: new Date(demoData.asOf).toISOString(),
        horizonDays: 90,
        currency: 'GBP',
        amountUnit: 'major',
      })
      // The stack's models are calibrated for the days before the demo's asOf (stack.ts): both
      // flag it alike.
      expect(detail!.warnings).toEqual(fromWorker.warnings)
      expect(detail!.warnings).toMatchObject([
        {
          code: 'as_of_outside_calibrated_window',
          modelVersion: v[0],
          calibratedWindow: STACK_WINDOW,
        },
      ])
      await page.close()
    }
  })

  it('computes the same feature vectors as core in Node for the bundle the Worker serves', async () => {
    const bytes = new Uint8Array(await (await fetch(`${stack.worker.url}/v1/bundle`)).arrayBuffer())
    const keyId = stack.trustedKeys.split(':')[0]!
    const verified = await verifyBundle(bytes, {
      [keyId]: stack.trustedKeys.slice(keyId.length + 1),
    })
    const scorer = await createScorer({
      modelJson: verified.modelJson,
      weights: verified.weights,
      version: v[0]!,
    })
    const { page } = await open(customers[0]!.customerId)
    for (const c of customers) {
      const inPage = await page.evaluate(
        async ({ c, asOf, bundleUrl, keys }) => {
          const api = (
            window as unknown as {
              fcvWidget: {
                loadModel: (o: object) => Promise<{ features: (h: object, o: object) => unknown }>
              }
            }
          ).fcvWidget
          const model = await api.loadModel({ bundleUrl, trustedKeys: keys, telemetry: false })
          return model.features(c, { asOf })
        },
        {
          c,
          asOf: demoData.asOf,
          bundleUrl: `${stack.worker.url}/v1/bundle`,
          keys: stack.trustedKeys,
        }
      )
      const [inNode] = scorer.historyFeatures(
        [{ customerId: c.customerId, transactions: structuredClone(c.transactions) }],
        Date.parse(demoData.asOf)
      )
      expect(inPage).toEqual(inNode)
    }
    await page.close()
  })

  it('follows the widget channel: a promotion reaches a page on its next load', async () => {
    const c = customers[1]!
    const before = predictionOf((await open(c.customerId)).events)!
    expect(before.model.version).toBe(v[0])
    await stack.promote(v[1]!, 'widget')
    const { page, events } = await open(c.customerId)
    const after = predictionOf(events)!
    expect(after.model.version).toBe(v[1])
    expect(after.prediction.modelVersion).toBe(v[1])
    // It revalidated with the digest it had, and got the new bytes.
    const revalidations = requests.filter((r) => r.url.endsWith('/v1/bundle') && r.method === 'GET')
    expect(revalidations.length).toBeGreaterThanOrEqual(2)
    await page.close()
    // The edge follows, so the two agree again for the tests below.
    await stack.promote(v[1]!, 'edge')
  })

  it('assigns the canary exactly as the edge does (inCanary on the same id)', async () => {
    await stack.promote(v[0]!, 'widget', 0.5)
    await stack.promote(v[0]!, 'edge', 0.5)
    const variants = new Set<string>()
    for (const c of customers) {
      const { page, events } = await open(c.customerId)
      const detail = predictionOf(events)!
      const fromWorker = await workerPredict(c)
      expect(detail.prediction).toEqual(fromWorker)
      expect(detail.model.version).toBe(fromWorker.modelVersion)
      variants.add(fromWorker.variant)
      await page.close()
    }
    // Six customers at one half: both arms are (almost surely) used; the check above is per customer.
    expect(variants.size).toBeGreaterThan(0)
    await stack.stopCanary('widget')
    await stack.stopCanary('edge')
  })

  it('refuses a tampered bundle and one signed by an unknown key; the last good model keeps scoring', async () => {
    const c = customers[2]!
    const opened = await open(c.customerId)
    const good = predictionOf(opened.events)!
    expect(good.model.version).toBe(v[1])
    const foreign = await importSigningKey((await generateSigningKey()).privateKeyPkcs8)
    const fixture = join(import.meta.dirname, '../../control-plane/src/test-support/model')
    const modelJson = new Uint8Array(readFileSync(join(fixture, 'model.json')))
    const weights = new Uint8Array(readFileSync(join(fixture, 'weights.bin')))
    const served = JSON.parse(
      new TextDecoder().decode(
        new Uint8Array(await (await fetch(`${stack.worker.url}/v1/bundle`)).arrayBuffer())
      )
    ) as { manifest: Parameters<typeof buildBundle>[0]['manifest'] }
    const { manifest } = served
    const unknownKey = await buildBundle(
      { manifest: { ...manifest, version: '99' }, modelJson, weights },
      foreign
    )
    const cases: [string, (body: Buffer) => Buffer, string][] = [
      [
        'tampered',
        (b) => {
          const doc = JSON.parse(b.toString()) as { manifest: { metrics: Record<string, number> } }
          doc.manifest.metrics['gini'] = 0.99
          return Buffer.from(JSON.stringify(doc))
        },
        'bad-signature',
      ],
      ['unknown key', () => Buffer.from(unknownKey.bytes), 'unknown-key'],
    ]
    for (const [what, tamper, reason] of cases) {
      await context.route('**/v1/bundle', async (route) => {
        // Ask for the bytes (not a 304) so there is a body to tamper with.
        const headers = { ...route.request().headers() }
        delete headers['if-none-match']
        const res = await route.fetch({ headers })
        await route.fulfill({ response: res, body: tamper(await res.body()) })
      })
      const { page, events } = await open(c.customerId)
      await context.unroute('**/v1/bundle')
      const refused = events.find((e) => e.type === 'fcv:error')
      expect(refused?.detail, what).toMatchObject({ code: 'bundle_refused', reason })
      const still = predictionOf(events)
      expect(still?.model.version, what).toBe(v[1])
      expect(still?.prediction).toEqual(good.prediction)
      await page.close()
    }
  })

  it('a bad history: fcv:error naming the field, the neutral state, and no request at all', async () => {
    const { page } = await open(customers[0]!.customerId)
    const seen = requests.length
    const detail = await page.evaluate(async () => {
      const el = document.querySelector('fcv-customer-value') as HTMLElement & { history: unknown }
      const got = new Promise<unknown>((r) =>
        el.addEventListener('fcv:error', (e) => r((e as CustomEvent).detail), { once: true })
      )
      el.history = { customerId: 'x1', transactions: [{ timestamp: 1714644000, amountMinor: 250 }] }
      return got
    })
    expect(detail).toMatchObject({
      code: 'invalid_history',
      field: 'history.transactions[0].timestamp',
      message: expect.stringContaining('looks like epoch seconds'),
    })
    const state = await page.evaluate(() =>
      document
        .querySelector('fcv-customer-value')!
        .shadowRoot!.querySelector('[part~=badge]')!
        .getAttribute('data-state')
    )
    expect(state).toBe('neutral')
    expect(requests.slice(seen)).toEqual([])
    await page.close()
  })

  it('verifies with the lazily loaded Ed25519 library where WebCrypto has no Ed25519', async () => {
    const ctx = await newContext()
    await ctx.addInitScript(() => {
      const importKey = crypto.subtle.importKey.bind(crypto.subtle)
      crypto.subtle.importKey = ((...args: Parameters<typeof importKey>) => {
        const alg = args[2] as { name?: string } | string
        if ((typeof alg === 'string' ? alg : alg.name) === 'Ed25519') {
          return Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError'))
        }
        return importKey(...args)
      }) as typeof crypto.subtle.importKey
    })
    const seen = requests.length
    const c = customers[3]!
    const { page, events } = await open(c.customerId, ctx)
    expect(predictionOf(events)?.prediction).toEqual(await workerPredict(c))
    expect(requests.slice(seen).some((r) => r.url.endsWith('/fcv-widget.noble.js'))).toBe(true)
    await page.close()
    await ctx.close()
  })

  it('loads TensorFlow.js lazily, only for a model the interpreter cannot run, and scores with it', async () => {
    // A signed model with a BatchNormalization layer (not a Dense stack): the widget must fetch
    // the tfjs fallback files next to the script and score exactly as core's tfjs path in Node.
    const net = await zilnNetwork({ extra: 'batchNormalization' })
    const saved = await saveModel(net, exampleMetadata())
    const modelJson = new TextEncoder().encode(JSON.stringify(saved.doc))
    const served = JSON.parse(
      new TextDecoder().decode(
        new Uint8Array(await (await fetch(`${stack.worker.url}/v1/bundle`)).arrayBuffer())
      )
    ) as { manifest: Parameters<typeof buildBundle>[0]['manifest'] }
    const signer = await importSigningKey(stack.signingKey)
    const bundle = await buildBundle(
      { manifest: { ...served.manifest, version: '77' }, modelJson, weights: saved.weights },
      signer
    )
    const c = customers[4]!
    const seen = requests.length
    await context.route('**/v1/bundle', (route) =>
      route.fulfill({
        status: 200,
        headers: {
          'content-type': 'application/json',
          'access-control-allow-origin': '*',
          'access-control-expose-headers': 'x-fcv-digest',
          'x-fcv-digest': bundle.digest,
        },
        body: Buffer.from(bundle.bytes),
      })
    )
    try {
      const { page, events } = await open(c.customerId)
      const got = predictionOf(events)
      expect(got?.model.version, JSON.stringify(events)).toBe('77')
      const reference = await createScorer({ modelJson, weights: saved.weights, version: '77' })
      expect(reference.engine).toBe('tfjs')
      const [want] = reference.scoreHistories(
        [{ customerId: c.customerId, transactions: structuredClone(c.transactions) }],
        Date.parse(demoData.asOf)
      )
      expect(got!.prediction).toEqual({ ...want, variant: 'champion' })
      const fetched = requests.slice(seen).map((r) => new URL(r.url).pathname)
      expect(fetched.some((p) => /^\/fcv-widget\.tfjs/.test(p))).toBe(true)
      await page.close()
    } finally {
      await context.unroute('**/v1/bundle')
    }
  })

  it('runs under the strict CSP with no violation, and looks right (screenshots)', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const page = await context.newPage()
      await page.emulateMedia({ colorScheme: scheme })
      await page.setViewportSize({ width: 1280, height: 900 })
      await page.goto(`${stack.demo.url}/?pick=${customers.length - 2}`)
      await page.waitForFunction(() =>
        (window as unknown as { __fcv: { type: string }[] }).__fcv.some(
          (e) => e.type === 'fcv:prediction'
        )
      )
      // The badge kept the box it reserved before the score arrived: no layout shift at all.
      const box = await page.locator('fcv-customer-value').boundingBox()
      expect(box!.height).toBeGreaterThan(20)
      await page.waitForTimeout(200)
      const shift = await page.evaluate(() => ({
        value: (window as unknown as { __shift: number }).__shift,
        nodes: (window as unknown as { __shifted: string[] }).__shifted,
      }))
      // Nothing of the page moved. Inside the badge's shadow root (sources the page cannot see)
      // the value's text replacing the loading bar may move by a pixel: far below Chromium's
      // "good" cumulative layout shift of 0.1.
      expect(shift.nodes.filter((n) => n !== '?#.')).toEqual([])
      expect(shift.value).toBeLessThan(0.0001)
      // The shop adapted to the score, whether the widget scored before or after its script ran.
      await page.waitForFunction(() => document.getElementById('fact-model')!.textContent !== '—')
      expect(await page.textContent('#fact-model')).toContain(`v${v[1]} (champion)`)
      await page.screenshot({ path: join(ARTIFACTS, `demo-${scheme}.png`), fullPage: true })
      const events = (await page.evaluate(
        () => (window as unknown as { __fcv: Event[] }).__fcv
      )) as Event[]
      expect(events.filter((e) => e.type === 'csp')).toEqual([])
      await page.close()
    }
    expect(stack.demo.cspReports).toEqual([])
  })

  it('sends nothing about a customer: every request of every page, beacons included', async () => {
    const { page } = await open(customers[0]!.customerId)
    await page.evaluate(() =>
      (window as unknown as { fcvWidget: { flushTelemetry(): void } }).fcvWidget.flushTelemetry()
    )
    await page.close()
    const beacons = requests.filter((r) => r.url.endsWith('/v1/beacon'))
    expect(beacons.length).toBeGreaterThan(0)
    const secrets = customers.flatMap((c) => [
      c.customerId,
      ...c.transactions.flatMap((t) => [String(t.timestamp), new Date(t.timestamp).toISOString()]),
    ])
    for (const r of requests) {
      for (const s of secrets) {
        expect(r.url.includes(s) ? `${r.url} carries ${s}` : '').toBe('')
        expect(r.body.includes(s) ? `${r.method} ${r.url} body carries ${s}` : '').toBe('')
      }
      // A beacon has counts only: no float that could be a prediction.
      if (r.url.endsWith('/v1/beacon')) expect(r.body).not.toMatch(/\d\.\d/)
    }
    // The browser's beacons were accepted and folded into the fleet's telemetry: the Worker
    // reports them with its next flush (a scored request makes it due) to the control plane.
    await workerPredict(customers[0]!)
    const series = `fcv_widget_scores_total{model_version="${v[1]}",variant="champion",outcome="ok"}`
    let metrics = ''
    for (let i = 0; i < 50 && !metrics.includes(series); i++) {
      await new Promise((r) => setTimeout(r, 200))
      metrics = await (await fetch(`${stack.controlPlane.url}/metrics`)).text()
    }
    expect(metrics).toContain(series)
    expect(metrics).toMatch(/^fcv_widget_beacons_total\{outcome="accepted"\} [1-9]/m)
    // Only these hosts and paths were ever asked for.
    const paths = new Set(
      requests.map((r) => new URL(r.url).pathname.replace(/[0-9a-f]{64}/, '<digest>'))
    )
    for (const p of paths) {
      // The lazy fallbacks (Ed25519, tfjs and its chunks) are files next to the script.
      if (/^\/fcv-widget\.[\w.-]+\.js$/.test(p)) continue
      expect([
        '/',
        '/demo.css',
        '/demo.js',
        '/customers.json',
        '/fcv-widget.iife.js',
        '/fcv-widget.noble.js',
        '/v1/bundle',
        '/v1/bundle/<digest>',
        '/v1/beacon',
        '/favicon.ico',
      ]).toContain(p)
    }
  })
})
