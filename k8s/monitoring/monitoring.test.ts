import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor'
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse, parseAllDocuments } from 'yaml'
import { METRICS } from './metrics.ts'
import { selectedMetrics } from './promql.ts'

// k8s/monitoring checked by Prometheus' and Alertmanager's own tools, and the rules' conventions:
// every alert is documented, unit-tested both ways and names only metrics of the contract.

const here = import.meta.dirname
const RULE_FILES = readdirSync(join(here, 'rules')).map((f) => join('rules', f))
const TEST_FILES = readdirSync(join(here, 'tests')).map((f) => join('tests', f))

/** Runs a Prometheus tool; a failure shows its own message. */
function tool(cmd: string, args: string[], cwd = here): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' })
  expect(r.error, `${cmd} (apt-get install prometheus prometheus-alertmanager)`).toBeUndefined()
  const out = `${r.stdout}${r.stderr}`
  expect(r.status, out).toBe(0)
  return out
}

interface Rule {
  alert?: string
  record?: string
  expr: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}
const rules: Rule[] = RULE_FILES.flatMap((f) =>
  (parse(readFileSync(join(here, f), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
    (g) => g.rules
  )
)
const alerts = rules.filter((r) => r.alert)

describe('rules', () => {
  it('pass promtool check rules', () => {
    expect(tool('promtool', ['check', 'rules', ...RULE_FILES])).toContain('SUCCESS')
  })

  it('pass their unit tests (promtool test rules)', () => {
    tool('promtool', ['test', 'rules', ...TEST_FILES])
  })

  it('each alert fires in a unit test and stays silent in another', () => {
    const cases = TEST_FILES.flatMap((f) =>
      (
        parse(readFileSync(join(here, f), 'utf8')) as {
          tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[]
        }
      ).tests.flatMap((t) => t.alert_rule_test ?? [])
    )
    for (const { alert } of alerts) {
      const mine = cases.filter((c) => c.alertname === alert)
      expect(
        mine.some((c) => (c.exp_alerts ?? []).length > 0),
        `${alert} fires`
      ).toBe(true)
      expect(
        mine.some((c) => (c.exp_alerts ?? []).length === 0),
        `${alert} silent`
      ).toBe(true)
    }
  })

  it('each alert has a severity, a summary, a description and a runbook section', () => {
    const runbook = readFileSync(join(here, 'RUNBOOK.md'), 'utf8')
    const anchors = new Set(
      [...runbook.matchAll(/^#{2,3} (.+)$/gm)].map((m) =>
        m[1]!
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-')
      )
    )
    for (const a of alerts) {
      expect(['page', 'ticket'], a.alert).toContain(a.labels?.['severity'])
      expect(a.annotations?.['summary'], a.alert).toBeTruthy()
      expect(a.annotations?.['description'], a.alert).toBeTruthy()
      const anchor = /RUNBOOK\.md#(.+)$/.exec(a.annotations?.['runbook_url'] ?? '')?.[1]
      expect(anchors, `${a.alert}: runbook_url ${a.annotations?.['runbook_url']}`).toContain(anchor)
    }
  })

  it('name only metrics of the contract (metrics.ts) or recorded here', () => {
    const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])))
    const known = new Set(
      Object.entries(METRICS).flatMap(([name, m]) =>
        m.type === 'histogram' ? [`${name}_bucket`, `${name}_count`, `${name}_sum`] : [name]
      )
    )
    for (const r of rules) {
      for (const name of selectedMetrics(r.expr)) {
        expect(known.has(name) || recorded.has(name), `${r.alert ?? r.record}: ${name}`).toBe(true)
      }
    }
  })
})

describe('scrape configuration', () => {
  it('passes promtool check config with the rule files', () => {
    // Debian's Prometheus is built without Kubernetes service discovery, so its promtool rejects
    // kubernetes_sd_configs: that block is checked by the assertions below, the rest by promtool.
    const text = readFileSync(join(here, 'prometheus-scrape.yml'), 'utf8')
    const config = parse(text) as {
      scrape_configs: {
        job_name: string
        kubernetes_sd_configs?: unknown
        static_configs?: unknown
        relabel_configs: { source_labels: string[]; regex?: string; action?: string }[]
      }[]
    }
    const job = config.scrape_configs.find((j) => j.job_name === 'fcv-control-plane')!
    expect(job.kubernetes_sd_configs).toEqual([{ role: 'pod' }])
    const keep = job.relabel_configs.filter((r) => r.action === 'keep')
    expect(keep).toEqual([
      {
        source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'],
        regex: 'fcv-control-plane',
        action: 'keep',
      },
      {
        source_labels: ['__meta_kubernetes_pod_container_port_name'],
        regex: 'http',
        action: 'keep',
      },
    ])
    const dir = mkdtempSync(join(tmpdir(), 'fcv-scrape-'))
    try {
      cpSync(join(here, 'rules'), join(dir, 'rules'), { recursive: true })
      delete job.kubernetes_sd_configs
      job.static_configs = [{ targets: ['127.0.0.1:8080'] }]
      writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config))
      const out = tool('promtool', ['check', 'config', 'prometheus.yml'], dir)
      for (const f of RULE_FILES) expect(out).toContain(f)
      expect(out).not.toContain('FAILED')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('has a valid ServiceMonitor for the pods port named http', () => {
    const docs = parseAllDocuments(readFileSync(join(here, 'servicemonitor.yml'), 'utf8'))
    expect(docs).toHaveLength(1)
    const monitor = new ServiceMonitor(docs[0]!.toJS())
    monitor.validate()
    expect(monitor.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'fcv-control-plane',
    })
    expect(monitor.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '30s' }])
  })
})

describe('alertmanager.yml', () => {
  it('passes amtool check-config, routing page and ticket severities', () => {
    expect(tool('amtool', ['check-config', 'alertmanager.yml'])).toContain('SUCCESS')
    for (const [severity, receiver] of [
      ['page', 'fcv-oncall'],
      ['ticket', 'fcv-tickets'],
    ]) {
      const out = tool('amtool', [
        'config',
        'routes',
        'test',
        '--config.file=alertmanager.yml',
        `severity=${severity}`,
      ])
      expect(out.split('\n')[0]).toBe(receiver)
    }
  })
})
