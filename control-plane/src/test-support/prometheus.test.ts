import { writeFile, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../../trainer/src/mlflow/test-server.ts'
import {
  startAlertmanager,
  startPrometheus,
  startWebhookReceiver,
  type Alertmanager,
  type PrometheusServer,
  type WebhookReceiver,
} from './prometheus.ts'

// The harness itself, on the real daemons: a scrape reaches Prometheus's query API, and an alert
// rule that fires reaches the webhook through Alertmanager; one that does not never does.

describe('Prometheus and Alertmanager on loopback', () => {
  let target: ReturnType<typeof createServer>
  let dir: string
  let receiver: WebhookReceiver
  let alertmanager: Alertmanager
  let prometheus: PrometheusServer
  let served = 3

  beforeAll(async () => {
    target = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
      res.end(`# TYPE harness_things gauge\nharness_things ${served}\n`)
    })
    const port = await freePort()
    await new Promise<void>((ok) => target.listen(port, '127.0.0.1', ok))
    dir = await mkdtemp(join(tmpdir(), 'fcv-harness-rules-'))
    const rules = join(dir, 'rules.yml')
    await writeFile(
      rules,
      [
        'groups:',
        '  - name: harness',
        '    rules:',
        '      - alert: HarnessThingsHigh',
        '        expr: harness_things > 5',
        '        labels: { severity: page }',
        '        annotations: { summary: "{{ $value }} things" }',
        '      - alert: HarnessNeverFires',
        '        expr: harness_things > 1000',
        '',
      ].join('\n')
    )
    receiver = await startWebhookReceiver()
    alertmanager = await startAlertmanager(receiver.url)
    prometheus = await startPrometheus({
      targets: [`127.0.0.1:${port}`],
      ruleFiles: [rules],
      alertmanagerUrl: alertmanager.url,
    })
  }, 60_000)

  afterAll(async () => {
    await prometheus?.stop()
    await alertmanager?.stop()
    await receiver?.close()
    await new Promise((ok) => target?.close(ok))
    await rm(dir, { recursive: true, force: true })
  })

  it('scrapes the target and answers queries', async () => {
    const r = await prometheus.waitFor('harness_things', (r) => r.length === 1, 20_000)
    expect(r[0]!.value).toBe(3)
    expect(r[0]!.metric['job']).toBe('fcv-control-plane')
    await expect(prometheus.query('harness_things{')).rejects.toThrow(/Prometheus refused/)
  }, 30_000)

  it('delivers an alert that fires, and only that one', async () => {
    await expect(receiver.waitForAlert('HarnessThingsHigh', 1500)).rejects.toThrow(
      /did not notify HarnessThingsHigh/
    )
    served = 9
    const alert = await receiver.waitForAlert('HarnessThingsHigh', 30_000)
    expect(alert.labels['severity']).toBe('page')
    expect(alert.annotations['summary']).toBe('9 things')
    const names = receiver.notifications.flatMap((n) => n.alerts.map((a) => a.labels['alertname']))
    expect(names).not.toContain('HarnessNeverFires')
  }, 40_000)
})
