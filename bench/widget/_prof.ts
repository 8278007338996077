import { startTestServer } from '../../trainer/src/mlflow/test-server.ts'
import { startWidgetStack } from '../../web-widget/e2e/stack.ts'
const mlflow = await startTestServer()
const stack = await startWidgetStack(mlflow.url, 1)
await stack.promote(stack.versions[0]!, 'widget')
for (let i = 0; i < 2; i++) {
  const ctx = await stack.browser.newContext()
  await ctx.addInitScript(() => document.addEventListener('fcv:prediction', () => ((window as any).__first = performance.now()), { once: true }))
  const page = await ctx.newPage()
  const cdp = await ctx.newCDPSession(page)
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 })
  await cdp.send('Profiler.start')
  await page.goto(`${stack.demo.url}/?pick=0`)
  await page.waitForFunction(() => (window as any).__first !== undefined)
  const { profile } = (await cdp.send('Profiler.stop')) as any
  const byId = new Map(profile.nodes.map((n: any) => [n.id, n]))
  const self = new Map<string, number>()
  const dt = profile.timeDeltas as number[]
  profile.samples.forEach((id: number, k: number) => {
    const n: any = byId.get(id)
    const cf = n.callFrame
    const key = `${cf.functionName || '(anon)'} ${cf.url.split('/').pop()}:${cf.lineNumber}:${cf.columnNumber}`
    self.set(key, (self.get(key) ?? 0) + (dt[k] ?? 0) / 1000)
  })
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)
  console.log('first', await page.evaluate(() => (window as any).__first.toFixed(1)), 'mark', await page.evaluate(() => performance.getEntriesByName('fcv-widget:start')[0]?.startTime.toFixed(1)))
  for (const [k, v] of top) console.log(v.toFixed(1).padStart(7), k)
  await ctx.close()
}
await stack.close(); await mlflow.stop()
