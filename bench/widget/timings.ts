// The widget's timings in headless Chromium, on the demo shop against the built Worker (the e2e
// stack: real MLflow, control plane, Worker in workerd, demo server, Chromium):
//   - from the script-tag file starting to run (performance.mark 'fcv-widget:start') to the first
//     fcv:prediction: 10 cold loads (a fresh browser context each: no HTTP cache, no Cache API, no
//     localStorage; the bundle comes from the Worker) and 10 loads with the bundle cached (one
//     context: the widget revalidates with If-None-Match, gets a 304 and reads the Cache API);
//   - scoring one customer with a 500-line history in the page (model.score), median and p99.

import { Random } from '@fcv/core'
import type { BrowserContext } from 'playwright-core'
import { startTestServer } from '../../trainer/src/mlflow/test-server.ts'
import { startWidgetStack } from '../../web-widget/e2e/stack.ts'
import { log, quantile } from '../common.ts'

export interface WidgetTimings {
  loads: number
  coldMs: { median: number; p90: number; max: number; runs: number[] }
  cachedMs: { median: number; p90: number; max: number; runs: number[] }
  score500: { lines: number; calls: number; medianMs: number; p99Ms: number }
  chromium: string
}

const round = (x: number) => Math.round(x * 100) / 100
const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)

/** Waits for the page's first fcv:prediction; ms from the script's start mark to it. */
async function firstPrediction(context: BrowserContext, url: string): Promise<number> {
  const page = await context.newPage()
  try {
    await page.goto(url)
    const ms = await page.evaluate(
      () =>
        new Promise<number>((resolve, reject) => {
          const done = () => {
            const start = performance.getEntriesByName('fcv-widget:start')[0]
            const at = (window as unknown as { __fcvFirst?: number }).__fcvFirst
            if (start && at !== undefined) resolve(at - start.startTime)
            else reject(new Error('no script start mark or no prediction'))
          }
          if ((window as unknown as { __fcvFirst?: number }).__fcvFirst !== undefined) done()
          else document.addEventListener('fcv:prediction', () => setTimeout(done), { once: true })
          setTimeout(() => reject(new Error('no fcv:prediction within 10 s')), 10_000)
        })
    )
    return ms
  } finally {
    await page.close()
  }
}

// In every page before its scripts: the time of the first fcv:prediction (or error: a failure).
const RECORD_FIRST = () => {
  const w = window as unknown as { __fcvFirst?: number }
  document.addEventListener('fcv:prediction', () => (w.__fcvFirst ??= performance.now()), {
    once: true,
  })
  document.addEventListener('fcv:error', (e) => {
    throw new Error(`fcv:error ${JSON.stringify((e as CustomEvent).detail)}`)
  })
}

/** A customer's 500 lines over two years: orders of 1-6 lines, some returns, two countries. */
export function history500(asOf: number): { customerId: string; transactions: object[] } {
  const r = new Random(500)
  const transactions: object[] = []
  let order = 0
  while (transactions.length < 500) {
    const t = asOf - Math.floor(r.uniform() * 730) * 86_400_000 - Math.floor(r.uniform() * 8e7)
    order++
    const lines = 1 + Math.floor(r.uniform() * 6)
    for (let k = 0; k < lines && transactions.length < 500; k++) {
      const returned = r.uniform() < 0.05
      transactions.push({
        timestamp: t + k * 1000,
        amountMinor: (returned ? -1 : 1) * (100 + Math.floor(r.uniform() * 5000)),
        orderId: `${returned ? 'C' : ''}${500000 + order}`,
        productId: `P${Math.floor(r.uniform() * 300)}`,
        country: r.uniform() < 0.9 ? 'United Kingdom' : 'France',
      })
    }
  }
  return { customerId: 'bench-500', transactions }
}

export async function widgetTimings(loads = 10, calls = 500): Promise<WidgetTimings> {
  log('widget timings: starting MLflow, the control plane, the built Worker, the demo, Chromium')
  const mlflow = await startTestServer()
  const stack = await startWidgetStack(mlflow.url, 1)
  try {
    await stack.promote(stack.versions[0]!, 'widget')
    const url = `${stack.demo.url}/?pick=0`
    const cold: number[] = []
    for (let i = 0; i < loads; i++) {
      const context = await stack.browser.newContext()
      await context.addInitScript(RECORD_FIRST)
      cold.push(await firstPrediction(context, url))
      await context.close()
    }
    log(`cold loads: ${cold.map((x) => x.toFixed(1)).join(', ')} ms`)
    const context = await stack.browser.newContext()
    await context.addInitScript(RECORD_FIRST)
    await firstPrediction(context, url) // fills the Cache API and the remembered digest
    const cached: number[] = []
    for (let i = 0; i < loads; i++) cached.push(await firstPrediction(context, url))
    log(`cached loads: ${cached.map((x) => x.toFixed(1)).join(', ')} ms`)

    const page = await context.newPage()
    await page.goto(url)
    const asOf = Date.parse('2011-06-12T00:00:00Z')
    const times = await page.evaluate(
      async ({ history, bundleUrl, keys, calls, asOf }) => {
        const api = (
          window as unknown as {
            fcvWidget: {
              loadModel(o: object): Promise<{ score(h: object, o: object): unknown }>
            }
          }
        ).fcvWidget
        const model = await api.loadModel({ bundleUrl, trustedKeys: keys, telemetry: false })
        for (let i = 0; i < 20; i++) model.score(history, { asOf }) // warm-up
        const out: number[] = []
        for (let i = 0; i < calls; i++) {
          const t = performance.now()
          model.score(history, { asOf })
          out.push(performance.now() - t)
        }
        return out
      },
      {
        history: history500(asOf),
        bundleUrl: `${stack.worker.url}/v1/bundle`,
        keys: stack.trustedKeys,
        calls,
        asOf,
      }
    )
    await context.close()
    const stats = (xs: number[]) => ({
      median: round(quantile(sorted(xs), 0.5)),
      p90: round(quantile(sorted(xs), 0.9)),
      max: round(Math.max(...xs)),
      runs: xs.map(round),
    })
    return {
      loads,
      coldMs: stats(cold),
      cachedMs: stats(cached),
      score500: {
        lines: 500,
        calls,
        medianMs: round(quantile(sorted(times), 0.5)),
        p99Ms: round(quantile(sorted(times), 0.99)),
      },
      chromium: stack.browser.version(),
    }
  } finally {
    await stack.close()
    await mlflow.stop()
  }
}
