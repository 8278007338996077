// `scripts/main.sh --check`: the demo customers scored by the Worker (one POST /v1/predict), by
// the widget (the storefront page in headless Chromium, once per customer) and offline by the
// trainer (`fcv score` with the promoted version, as of the same date), held to agree to the bit.
// Prometheus, when it runs, must have scraped the control plane.

import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { agreementTable, disagreements, type CustomerScores, type Scores } from './agreement.ts'
import { runToEnd } from './child.ts'
import type { RunningLoop } from './loop.ts'
import { readOfflineScores } from './offline-scores.ts'
import type { Progress } from './progress.ts'
import { predictAtEdge } from './served.ts'
import { queryPrometheus } from './services.ts'
import { widgetPrediction } from './widget-page.ts'

interface EdgePrediction extends Scores {
  customerId: string
}

export class CheckFailed extends Error {}

export async function checkLoop(
  root: string,
  loop: RunningLoop,
  sets: string[],
  progress: Progress
): Promise<void> {
  const out = (l: string) => progress.info(l)
  const { customers, asOf } = loop.customers
  const edge = await progress.step('check: the edge scores the demo customers', async () => {
    const answer = await predictAtEdge(loop.worker.url, customers, asOf)
    const predictions = answer.predictions as unknown as EdgePrediction[]
    return { byId: new Map(predictions.map((p) => [p.customerId, p])), currency: answer.currency }
  })
  const widget = await progress.step('check: the widget scores them in Chromium', async () => {
    if (!loop.browser) throw new Error('no browser: the check needs Chromium')
    const byId = new Map<string, Scores>()
    for (let i = 0; i < customers.length; i++) {
      const d = await widgetPrediction(loop.browser, loop.demo.url, i)
      byId.set(customers[i]!.customerId, { ...d.prediction, modelVersion: d.model.version })
    }
    return byId
  })
  const offline = await progress.step(
    'check: the trainer scores them offline (fcv score)',
    async () => {
      const dir = loop.state.path('check', 'scores')
      rmSync(dir, { recursive: true, force: true })
      await runToEnd(
        process.execPath,
        [
          join(root, 'trainer/dist/fcv.mjs'),
          'score',
          '--model-version',
          loop.version,
          '--as-of',
          asOf,
          '--out',
          dir,
          ...sets.flatMap((s) => ['--set', s]),
        ],
        { cwd: root, env: loop.env, out }
      )
      return readOfflineScores(dir)
    }
  )
  const rows: CustomerScores[] = customers.map((c) => {
    const e = edge.byId.get(c.customerId)
    const w = widget.get(c.customerId)
    const o = offline.get(c.customerId)
    return {
      customerId: c.customerId,
      by: {
        ...(e && typeof e.expected === 'number' ? { edge: e } : {}),
        ...(w ? { widget: w } : {}),
        ...(o ? { offline: o } : {}),
      },
    }
  })
  for (const line of agreementTable(rows, edge.currency)) out(line)
  const wrong = disagreements(rows, loop.version)
  if (wrong.length > 0) {
    throw new CheckFailed(
      `the edge, the widget and the trainer disagree on ${wrong.length} point(s):\n` +
        wrong.map((w) => `  ${w.customerId}: ${w.what}`).join('\n')
    )
  }
  out(
    `${rows.length} customers as of ${asOf}: the edge, the widget and the trainer agree to the bit (version ${loop.version})`
  )
  if (loop.prometheus) {
    const p = loop.prometheus
    await progress.step('check: Prometheus scrapes the control plane', async () => {
      const deadline = Date.now() + 30_000
      for (;;) {
        const up = await queryPrometheus(p.url, 'up{job="fcv-control-plane"}')
        if (up[0]?.value === 1) return
        if (Date.now() > deadline)
          throw new Error(`up{job="fcv-control-plane"} is not 1 after 30 s: ${JSON.stringify(up)}`)
        await new Promise((ok) => setTimeout(ok, 1000))
      }
    })
  }
}
