import { ThresholdsMode } from '@grafana/schema'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { DASHBOARDS, dashboardExpressions, panelsOf, substitute } from './dashboards.ts'
import { renderDashboards } from './dashboards/generate.ts'
import { seriesNames } from './metrics.ts'
import { selectedMetrics } from './promql.ts'

const here = import.meta.dirname
const BUILTIN = { __rate_interval: '1m', __interval: '30s', __range: '1h' }
const recorded = new Set(
  ['fcv-recording.rules.yml', 'fcv-alerts.rules.yml'].flatMap((f) =>
    (
      parse(readFileSync(join(here, 'rules', f), 'utf8')) as {
        groups: { rules: { record?: string }[] }[]
      }
    ).groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : [])))
  )
)
const known = (name: string) => seriesNames().has(name) || recorded.has(name)

/**
 * Typechecks each JSON file (name -> text) as Grafana's Dashboard type, the way dashboards.ts
 * imports the committed ones; returns the diagnostics per file.
 */
function typecheck(files: Record<string, string>): Map<string, string[]> {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(here, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => expect.fail(String(d.messageText)) }
  )!
  const virtual = new Map<string, string>()
  for (const [name, json] of Object.entries(files)) {
    virtual.set(join(here, 'dashboards', `${name}.check.json`), json)
    virtual.set(
      join(here, `${name}.check.ts`),
      [
        "import type { Dashboard } from '@grafana/schema'",
        "import type { JsonOf } from './dashboards.ts'",
        `import d from './dashboards/${name}.check.json' with { type: 'json' }`,
        'export const checked: JsonOf<Dashboard> = d',
      ].join('\n')
    )
  }
  const host = ts.createCompilerHost(config.options)
  const { fileExists, readFile } = host
  host.fileExists = (f) => virtual.has(f) || fileExists(f)
  host.readFile = (f) => virtual.get(f) ?? readFile(f)
  const roots = Object.keys(files).map((name) => join(here, `${name}.check.ts`))
  const program = ts.createProgram(roots, config.options, host)
  const out = new Map<string, string[]>(Object.keys(files).map((n) => [n, []]))
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const name = Object.keys(files).find((n) => d.file?.fileName === join(here, `${n}.check.ts`))
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n')
    if (name === undefined) expect.fail(`${d.file?.fileName ?? ''}: ${text}`)
    out.get(name)!.push(text)
  }
  return out
}

describe('dashboards', () => {
  it('are what dashboards/generate.ts writes', async () => {
    for (const { file, json } of await renderDashboards()) {
      expect(
        readFileSync(file, 'utf8'),
        `${file} is stale: run node k8s/monitoring/dashboards/generate.ts`
      ).toBe(json)
    }
  })

  it("typecheck as @grafana/schema's Dashboard, and a wrong type would not", () => {
    const files: Record<string, string> = {}
    for (const uid of Object.keys(DASHBOARDS)) {
      const text = readFileSync(join(here, 'dashboards', `${uid}.json`), 'utf8')
      files[uid] = text
      const wrongWidth = JSON.parse(text) as { panels: { gridPos: Record<string, unknown> }[] }
      wrongWidth.panels[1]!.gridPos['w'] = '12'
      files[`${uid}-width-string`] = JSON.stringify(wrongWidth)
      const noSchemaVersion = JSON.parse(text) as Record<string, unknown>
      delete noSchemaVersion['schemaVersion']
      files[`${uid}-no-schema-version`] = JSON.stringify(noSchemaVersion)
    }
    const diagnostics = typecheck(files)
    for (const uid of Object.keys(DASHBOARDS)) {
      expect(diagnostics.get(uid), uid).toEqual([])
      expect(diagnostics.get(`${uid}-width-string`)!.join('\n')).toMatch(
        /Type 'string' is not assignable to type 'number'/
      )
      expect(diagnostics.get(`${uid}-no-schema-version`)!.join('\n')).toMatch(/schemaVersion/)
    }
  })

  for (const [uid, d] of Object.entries(DASHBOARDS)) {
    describe(uid, () => {
      const panels = panelsOf(d)
      const all = [...(d.panels ?? []), ...panels.filter((p) => !d.panels?.includes(p))]

      it('has unique panel ids and non-overlapping panels inside the 24-column grid', () => {
        const ids = all.map((p) => p.id)
        expect(new Set(ids).size).toBe(ids.length)
        expect(ids.every((id) => typeof id === 'number')).toBe(true)
        const boxes = all.map((p) => ({ title: p.title, ...p.gridPos! }))
        for (const [i, a] of boxes.entries()) {
          expect(a.x >= 0 && a.w > 0 && a.x + a.w <= 24 && a.h > 0, a.title).toBe(true)
          for (const b of boxes.slice(i + 1)) {
            const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
            expect(overlap, `${a.title} overlaps ${b.title}`).toBe(false)
          }
        }
      })

      it('queries the ${datasource} variable, a Prometheus data source, everywhere', () => {
        const vars = d.templating?.list ?? []
        expect(vars.find((v) => v.name === 'datasource')).toMatchObject({
          type: 'datasource',
          query: 'prometheus',
        })
        const ref = { type: 'prometheus', uid: '${datasource}' }
        for (const p of panels) {
          expect(p.datasource, p.title).toEqual(ref)
          for (const t of p.targets ?? []) expect(t['datasource'] ?? ref, p.title).toEqual(ref)
        }
        for (const v of vars.filter((v) => v.type === 'query')) expect(v.datasource).toEqual(ref)
      })

      it('gives every panel a title, a description, a unit and valid enum values', () => {
        for (const p of panels) {
          expect(p.title, `panel ${p.id}`).toBeTruthy()
          expect(p.description, p.title).toBeTruthy()
          const heatmapUnit = (p.options as { yAxis?: { unit?: string } } | undefined)?.yAxis?.unit
          expect(p.fieldConfig?.defaults.unit ?? heatmapUnit, p.title).toBeTruthy()
          const mode = p.fieldConfig?.defaults.thresholds?.mode
          if (mode !== undefined) expect(Object.values(ThresholdsMode), p.title).toContain(mode)
        }
        for (const v of d.templating?.list ?? []) {
          expect(['datasource', 'query', 'custom'], v.name).toContain(v.type)
        }
      })

      it('has PromQL that parses and names only metrics of metrics.ts or recording rules', () => {
        const values: Record<string, string> = { ...BUILTIN }
        for (const v of d.templating?.list ?? []) values[v.name] = '.*'
        for (const p of panels) {
          expect((p.targets ?? []).length, p.title).toBeGreaterThan(0)
          for (const t of p.targets ?? []) {
            const expr = substitute(t['expr'] as string, values)
            for (const name of selectedMetrics(expr)) {
              expect(known(name), `${p.title}: ${name}`).toBe(true)
            }
          }
        }
        for (const v of (d.templating?.list ?? []).filter((v) => v.type === 'query')) {
          const q = (v.query as { query: string }).query
          const selector = /^label_values\((.+),\s*\w+\)$/.exec(q)?.[1]
          expect(selector, q).toBeDefined()
          for (const name of selectedMetrics(substitute(selector!, values))) {
            expect(known(name), `${v.name}: ${name}`).toBe(true)
          }
        }
      })
    })
  }

  it("has PromQL that Prometheus' own parser accepts (promtool check rules)", () => {
    const exprs = dashboardExpressions({
      ...BUILTIN,
      channel: '.*',
      model_version: '.*',
      job: 'fcv-control-plane',
      route: '.*',
    })
    const rules = exprs.map((e, i) => ({ record: `dashboard:query_${i}`, expr: e.expr }))
    const dir = mkdtempSync(join(tmpdir(), 'fcv-dashboards-'))
    try {
      writeFileSync(join(dir, 'queries.yml'), stringify({ groups: [{ name: 'q', rules }] }))
      const r = spawnSync('promtool', ['check', 'rules', 'queries.yml'], {
        cwd: dir,
        encoding: 'utf8',
      })
      expect(r.error, 'promtool (apt-get install prometheus)').toBeUndefined()
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0)
      expect(r.stdout).toContain(`${rules.length} rules found`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('lists every query with the variables a caller chooses, and names a missing one', () => {
    const values = { ...BUILTIN, channel: 'edge', model_version: '7', job: 'fcv', route: '.*' }
    const exprs = dashboardExpressions(values)
    const queries = Object.values(DASHBOARDS).flatMap((d) =>
      panelsOf(d).flatMap((p) => p.targets ?? [])
    )
    expect(exprs).toHaveLength(queries.length)
    for (const e of exprs) expect(e.expr, `${e.dashboard} ${e.panel}`).not.toContain('$')
    expect(exprs.map((e) => e.expr).join('\n')).toContain('model_version=~"7"')
    expect(() => dashboardExpressions({ ...values, channel: undefined! })).toThrow(
      /fcv-fleet-overview: panel ".+" query [A-Z]: no value for the variable \$channel/
    )
  })
})
