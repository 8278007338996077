import { startTestServer } from '../../trainer/src/mlflow/test-server.ts'
import { startWidgetStack } from '../../web-widget/e2e/stack.ts'
const mlflow = await startTestServer()
const stack = await startWidgetStack(mlflow.url, 1)
await stack.promote(stack.versions[0]!, 'widget')
for (let i = 0; i < 4; i++) {
  const ctx = await stack.browser.newContext()
  await ctx.addInitScript(() => document.addEventListener('fcv:prediction', () => ((window as any).__first = performance.now()), { once: true }))
  const page = await ctx.newPage()
  await page.goto(`${stack.demo.url}/?pick=0`)
  await page.waitForFunction(() => (window as any).__first !== undefined)
  const d = await page.evaluate(() => {
    const r = (n: string) => performance.getEntriesByType('resource').filter((e) => e.name.includes(n)).map((e: any) => `${n}: start ${e.startTime.toFixed(1)} end ${e.responseEnd.toFixed(1)}`)
    const nav = performance.getEntriesByType('navigation')[0] as any
    return [`domInteractive ${nav.domInteractive.toFixed(1)} dcl ${nav.domContentLoadedEventEnd.toFixed(1)}`, `mark ${performance.getEntriesByName('fcv-widget:start')[0]?.startTime.toFixed(1)}`, ...r('iife'), ...r('demo.js'), ...r('customers'), ...r('/v1/bundle'), `first ${(window as any).__first.toFixed(1)}`]
  })
  console.log(d.join('\n'), '\n')
  await ctx.close()
}
await stack.close(); await mlflow.stop()
