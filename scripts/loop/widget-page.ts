// The storefront as a shopper's browser shows it: headless Chromium opens the demo page as one of
// its customers and waits for the widget's fcv:prediction (or fcv:error) event.

import type { Browser } from 'playwright-core'
import type { PredictionEventDetail } from '../../web-widget/src/index.ts'

// Runs in the page before its scripts: keeps the widget's events.
const RECORDER = () => {
  const w = window as unknown as { __fcv: { type: string; detail: unknown }[] }
  w.__fcv = []
  for (const type of ['fcv:prediction', 'fcv:error']) {
    document.addEventListener(type, (e) =>
      w.__fcv.push({ type, detail: (e as CustomEvent).detail })
    )
  }
}

/** The widget's prediction on the storefront page as the `pick`-th demo customer. */
export async function widgetPrediction(
  browser: Browser,
  storefrontUrl: string,
  pick: number,
  timeoutMs = 30_000
): Promise<PredictionEventDetail> {
  const context = await browser.newContext() // fresh: no cached bundle from another page
  try {
    await context.addInitScript(RECORDER)
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(`${storefrontUrl}/?pick=${pick}`)
    await page
      .waitForFunction(
        () => (window as unknown as { __fcv: unknown[] }).__fcv.length > 0,
        undefined,
        { timeout: timeoutMs }
      )
      .catch(() => {})
    const events = (await page.evaluate(
      () => (window as unknown as { __fcv: unknown[] }).__fcv
    )) as {
      type: string
      detail: unknown
    }[]
    const prediction = events.find((e) => e.type === 'fcv:prediction')
    if (prediction) return prediction.detail as PredictionEventDetail
    const error = events.find((e) => e.type === 'fcv:error')
    throw new Error(
      error
        ? `the widget answered fcv:error: ${JSON.stringify(error.detail)}`
        : `the widget gave no prediction within ${timeoutMs / 1000} s${errors.length ? ` (page errors: ${errors.join('; ')})` : ''}`
    )
  } finally {
    await context.close()
  }
}
