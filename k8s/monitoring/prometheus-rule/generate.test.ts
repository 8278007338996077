import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { PROMETHEUS_RULE_FILE, readRuleGroups, renderPrometheusRule } from './generate.ts'

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })))

function rulesDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fcv-rules-'))
  dirs.push(dir)
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text)
  return dir
}

describe('PrometheusRule generator', () => {
  it('the committed prometheusrule.yml is what the generator writes (run generate.ts)', async () => {
    expect(readFileSync(PROMETHEUS_RULE_FILE, 'utf8')).toBe(await renderPrometheusRule())
  })

  it('holds every group of rules/*.yml, in file-name order', async () => {
    const dir = rulesDir({
      'b.yml': 'groups:\n  - name: second\n    rules: [{ record: "b:x", expr: "1" }]\n',
      'a.yml': 'groups:\n  - name: first\n    rules: [{ alert: A, expr: "up == 0" }]\n',
      'notes.txt': 'not rules',
    })
    const rule = parse(await renderPrometheusRule(dir))
    expect(rule.kind).toBe('PrometheusRule')
    expect(rule.spec.groups.map((g: { name: string }) => g.name)).toEqual(['first', 'second'])
  })

  it('refuses a rules file without groups, naming it', () => {
    const dir = rulesDir({ 'empty.yml': 'groups: []\n' })
    expect(() => readRuleGroups(dir)).toThrow(/empty\.yml: groups must be a non-empty list/)
  })
})
