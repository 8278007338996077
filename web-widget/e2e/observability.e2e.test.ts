// Observability end to end, every part real and on loopback: Debian's Prometheus scrapes the
// control plane (PGlite, real MLflow) while predictions go through the built Worker in workerd and
// the widget in headless Chromium; Prometheus evaluates the alert rules of k8s/monitoring (their
// `for:` durations shortened, nothing else changed) and sends what fires to Debian's Alertmanager,
// which posts it to a webhook here. Every panel of the Grafana dashboards is queried against it.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  histogramOf,
  profileBounds,
  TELEMETRY_BOUNDS,
  type FeatureVector,
  type TrainingProfile,
} from '@fcv/core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { dashboardExpressions } from '../../k8s/monitoring/dashboards.ts'
import {
  startAlertmanager,
  startPrometheus,
  startWebhookReceiver,
  type Alertmanager,
  type PrometheusServer,
  type WebhookReceiver,
} from '../../control-plane/src/test-support/prometheus.ts'
import { ADMIN_TOKEN } from '../../control-plane/src/test-support/harness.ts'
import parity from '../../edge-worker/test/fixtures/feature-parity.json' with { type: 'json' }
import { startWidgetStack, type WidgetStack } from './stack.ts'

const RULES_DIR = join(import.meta.dirname, '../../k8s/monitoring/rules')
const ARTIFACTS = join(import.meta.dirname, 'artifacts')
const DAY = 86_400_000

interface ParityCustomer {
  customerId: string
  transactions: { timestamp: number; amountMinor: number }[]
  features: FeatureVector
}
const customers = parity.customers as ParityCustomer[]

/** The profile `fcv train` writes, of the parity fixture's customers at its cutoff. */
function trainingProfile(): TrainingProfile {
  const numeric = parity.featureSpec.features
    .map((f, j) => ({ ...f, j }))
    .filter((f) => f.kind === 'numeric')
  return {
    cutoff: new Date(parity.asOf).toISOString().slice(0, 10),
    rows: customers.length,
    features: numeric.map(({ name, j }) => {
      const values = customers.map((c) => c.features[j] as number)
      return { name, ...histogramOf(profileBounds(values), values) }
    }),
    // The fixture network's predictions are not recorded with it: an even spread stands in.
    predicted: {
      value: histogramOf(TELEMETRY_BOUNDS.expected, [0, 5, 20, 60, 120, 300, 800]),
      pBuy: histogramOf(TELEMETRY_BOUNDS.pBuy, [0.05, 0.2, 0.4, 0.6, 0.8]),
    },
  }
}

let stack: WidgetStack
let receiver: WebhookReceiver
let alertmanager: Alertmanager
let prometheus: PrometheusServer
let rulesDir: string
let v1: string
let v2: string

/**
 * The rule files with every `for:` at 2 s and every group evaluated each second: the same
 * expressions, fired in seconds, not in minutes.
 */
async function quickRules(): Promise<string[]> {
  rulesDir = await mkdtemp(join(tmpdir(), 'fcv-e2e-rules-'))
  const files = (await readdir(RULES_DIR)).filter((f) => f.endsWith('.yml'))
  return files.map((f) => {
    const text = readFileSync(join(RULES_DIR, f), 'utf8')
      .replace(/^(\s+for:) \S+$/gm, '$1 2s')
      .replace(/^(\s+interval:) \S+$/gm, '$1 1s')
    writeFileSync(join(rulesDir, f), text)
    return join(rulesDir, f)
  })
}

/** POST /v1/predict to the Worker: the parity customers as of `asOf`, `times` over. */
async function predict(asOf: number, times = 1): Promise<void> {
  for (let i = 0; i < times; i++) {
    const res = await fetch(`${stack.worker.url}/v1/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        customers: customers.map((c) => ({
          customerId: c.customerId,
          transactions: c.transactions.filter((t) => t.timestamp < asOf),
        })),
        asOf: new Date(asOf).toISOString(),
      }),
    })
    expect(res.status, await res.text()).toBe(200)
  }
}

/** Waits until the Worker's view of `channel` has `version` as champion (it refreshes every 10 s). */
async function workerServes(channel: string, version: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const res = await fetch(`${stack.worker.url}/v1/model?channel=${channel}`)
    const view = (await res.json()) as { champion?: { version?: string } | null }
    if (view.champion?.version === version) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`the Worker does not serve ${version} on ${channel} after 30 s`)
}

/** Opens the demo shop in Chromium: its widget scores a customer and beacons the aggregate. */
async function widgetScores(pick: number): Promise<void> {
  const page = await stack.browser.newPage()
  try {
    await page.addInitScript(() =>
      document.addEventListener(
        'fcv:prediction',
        () => ((window as unknown as { __scored: boolean }).__scored = true)
      )
    )
    await page.goto(`${stack.demo.url}/?pick=${pick}`)
    await page.waitForFunction(
      () => (window as unknown as { __scored?: boolean }).__scored,
      undefined,
      {
        timeout: 20_000,
      }
    )
    // What leaving the page does (pagehide), now: the aggregate-only beacon to the Worker.
    await page.evaluate(() =>
      (window as unknown as { fcvWidget: { flushTelemetry(): void } }).fcvWidget.flushTelemetry()
    )
  } finally {
    await page.close()
  }
}

beforeAll(async () => {
  stack = await startWidgetStack(inject('mlflowUri'), 2, {
    fcv: { featureSpec: parity.featureSpec, btyd: parity.btyd, profile: trainingProfile() },
    controlPlaneEnv: {
      FCV_FLEET_REFRESH_SECONDS: '1',
      FCV_STALENESS_WINDOW_SECONDS: '15',
    },
  })
  ;[v1, v2] = stack.versions as [string, string]
  receiver = await startWebhookReceiver()
  alertmanager = await startAlertmanager(receiver.url)
  prometheus = await startPrometheus({
    targets: [new URL(stack.controlPlane.url).host],
    ruleFiles: await quickRules(),
    alertmanagerUrl: alertmanager.url,
  })
  await stack.promote(v1, 'edge')
  await stack.promote(v1, 'widget')
  await workerServes('edge', v1)
}, 240_000)

afterAll(async () => {
  await prometheus?.stop()
  await alertmanager?.stop()
  await receiver?.close()
  await stack?.close()
  if (rulesDir) await rm(rulesDir, { recursive: true, force: true })
})

describe('Prometheus and Alertmanager on the fleet', () => {
  it('shows predictions by model version and channel, from the Worker and the widget', async () => {
    await widgetScores(0)
    await widgetScores(1)
    // Scored requests make the Worker's window due: it reports the beacons with them.
    await predict(parity.asOf, 2)
    const edge = await prometheus.waitFor(
      `sum by (model_version, variant) (fcv_edge_predictions_total)`,
      (r) => r.some((s) => s.metric['model_version'] === v1 && s.value >= 44),
      30_000
    )
    expect(edge.find((s) => s.metric['model_version'] === v1)!.metric['variant']).toBe('champion')
    const widget = await prometheus.waitFor(
      `sum by (model_version, outcome) (fcv_widget_scores_total)`,
      (r) => r.some((s) => s.metric['model_version'] === v1 && s.metric['outcome'] === 'ok'),
      30_000
    )
    expect(widget.find((s) => s.metric['outcome'] === 'ok')!.value).toBeGreaterThanOrEqual(2)
    // Both channels' serving versions, fleet-wide, from the durable store.
    const serving = await prometheus.waitFor(
      `max by (channel, model_version, current) (fcv_serving_reporters)`,
      (r) => ['edge', 'widget'].every((ch) => r.some((s) => s.metric['channel'] === ch)),
      30_000
    )
    for (const s of serving) {
      expect(s.metric).toMatchObject({ model_version: v1, current: 'true' })
    }
    // The unshifted population: no feature drifted.
    const psi = await prometheus.waitFor(
      `max by (feature) (fcv_drift_psi{channel="edge", model_version="${v1}"})`,
      (r) => r.length > 0,
      30_000
    )
    expect(Math.max(...psi.map((s) => s.value))).toBeLessThan(0.2)
    console.log(
      `[e2e] Prometheus: edge predictions by version ${JSON.stringify(edge)}; widget scores ${JSON.stringify(widget)}`
    )
  }, 120_000)

  it('raises the drift PSI past 0.2 for a shifted population, and Alertmanager gets FcvDriftHigh', async () => {
    // The same customers half a year on: nobody bought since, so recency and the windows move.
    await predict(parity.asOf + 183 * DAY, 12)
    const high = await prometheus.waitFor(
      `max by (feature) (fcv_drift_psi{channel="edge", model_version="${v1}"}) > 0.2`,
      (r) => r.length > 0,
      30_000
    )
    const alert = await receiver.waitForAlert('FcvDriftHigh', 60_000)
    expect(alert.labels).toMatchObject({ channel: 'edge', model_version: v1, severity: 'ticket' })
    expect(high.map((s) => s.metric['feature'])).toContain(alert.labels['feature'])
    expect(alert.annotations['runbook_url']).toMatch(/RUNBOOK\.md#fcvdrifthigh$/)
    console.log(
      `[e2e] drifted features: ${high.map((s) => `${s.metric['feature']}=${s.value.toFixed(2)}`).join(', ')}; alert received: ${JSON.stringify(alert)}`
    )
  }, 120_000)

  it('shows the drift on the admin Fleet page (screenshot in e2e/artifacts)', async () => {
    const page = await stack.browser.newPage({ viewport: { width: 1280, height: 900 } })
    const violations: string[] = []
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text())
    })
    try {
      await page.goto(`${stack.controlPlane.url}/admin`)
      await page.fill('#token', ADMIN_TOKEN)
      await page.click('form.signin button[type=submit]')
      await page.waitForSelector('#top:not([hidden])')
      await page.goto(`${stack.controlPlane.url}/admin#fleet`)
      await page.waitForSelector('section.drift rect.s-drift-high')
      const heading = await page.textContent('section.drift h3')
      expect(heading).toContain(`edge · version ${v1}`)
      // The chart marks the drifted features; the histogram comparison follows the pick.
      expect(await page.locator('section.drift rect.s-drift-high').count()).toBeGreaterThan(0)
      await page.waitForSelector('.drift-detail figure')
      mkdirSync(ARTIFACTS, { recursive: true })
      await page.screenshot({ path: join(ARTIFACTS, 'admin-fleet-drift.png'), fullPage: true })
      expect(violations).toEqual([])
    } finally {
      await page.close()
    }
  }, 60_000)

  it('shows a promotion and a rollback as version changes, with no stale isolate after the refresh', async () => {
    const reporters = `max by (model_version, current) (fcv_serving_reporters{channel="edge", reporter="isolate"})`
    const has = (version: string, current: boolean) => (r: { metric: Record<string, string> }[]) =>
      r.some(
        (s) => s.metric['model_version'] === version && s.metric['current'] === String(current)
      )
    await stack.promote(v2, 'edge')
    await workerServes('edge', v2)
    await predict(parity.asOf)
    // The isolate said v1 until its refresh and v2 since: within the staleness window both show,
    // v1 as no longer deployed.
    const promoted = await prometheus.waitFor(
      reporters,
      (r) => has(v2, true)(r) && has(v1, false)(r),
      30_000
    )
    await prometheus.waitFor(
      `sum by (model_version) (fcv_edge_predictions_total{model_version="${v2}"})`,
      (r) => r.length === 1 && r[0]!.value >= 22,
      30_000
    )
    const rollback = await fetch(`${stack.controlPlane.url}/v1/models/${stack.model}/rollbacks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'edge', reason: 'e2e: roll back the drifted promotion' }),
    })
    expect(rollback.status, await rollback.text()).toBe(200)
    await workerServes('edge', v1)
    const before = (
      await prometheus.query(`sum(fcv_edge_predictions_total{model_version="${v1}"})`)
    )[0]!.value
    await predict(parity.asOf)
    // Right after the rollback v2 is the stale one, and for how long shows...
    await prometheus.waitFor(reporters, (r) => has(v1, true)(r) && has(v2, false)(r), 30_000)
    await prometheus.waitFor(
      `max(fcv_serving_stale_seconds{channel="edge"}) > 0`,
      (r) => r.length === 1,
      30_000
    )
    await prometheus.waitFor(
      `sum(fcv_edge_predictions_total{model_version="${v1}"})`,
      (r) => r[0]!.value >= before + 22,
      30_000
    )
    // ...and once v2's last report has left the staleness window (15 s here), nothing stale is
    // left. Traffic goes on meanwhile: an isolate that reports nothing is not reporting v1 either.
    let after: Awaited<ReturnType<typeof prometheus.query>> = []
    for (let i = 0; i < 30; i++) {
      await predict(parity.asOf)
      await new Promise((r) => setTimeout(r, 2000))
      after = await prometheus.query(reporters)
      if (after.length === 1 && has(v1, true)(after)) break
    }
    expect(after).toEqual([{ metric: { model_version: v1, current: 'true' }, value: 1 }])
    const stale = await prometheus.waitFor(
      `max(fcv_serving_stale_seconds{channel="edge"})`,
      (r) => r[0]?.value === 0,
      30_000
    )
    console.log(
      `[e2e] after the promotion: ${JSON.stringify(promoted)}; after the rollback: ${JSON.stringify(after)}, stale seconds ${stale[0]!.value}`
    )
  }, 150_000)

  it('answers every dashboard panel’s query, with data', async () => {
    // Fresh traffic, so the staleness window holds reports (the test before may have waited long).
    await predict(parity.asOf)
    await widgetScores(2)
    await predict(parity.asOf)
    await prometheus.waitFor(`fcv_serving_reporters`, (r) => r.length > 0, 30_000)
    const exprs = dashboardExpressions({
      __rate_interval: '1m',
      __interval: '15s',
      __range: '1h',
      datasource: 'prometheus',
      channel: '.*',
      model_version: '.*',
      job: 'fcv-control-plane',
      route: '.*',
    })
    const empty: string[] = []
    for (const e of exprs) {
      const result = await prometheus.query(e.expr)
      if (result.length === 0) empty.push(`${e.dashboard} / ${e.panel} / ${e.refId}: ${e.expr}`)
    }
    mkdirSync(ARTIFACTS, { recursive: true })
    writeFileSync(join(ARTIFACTS, 'dashboard-queries-empty.txt'), empty.join('\n') + '\n')
    console.log(`[e2e] dashboard queries: ${exprs.length}, without data: ${empty.length}`)
    expect(empty).toEqual([])
  }, 120_000)
})
