// docs/configuration.md against the code: every params.yaml key with its value there, every
// control-plane variable with the schema's default, every Worker var with wrangler.toml's top-level
// value, every secret and binding, every environment variable the sources read and every variable
// of the release workflow; and no name the sources no longer have.

import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { ConfigSchema } from '../../control-plane/src/config.ts'
import { codeSpans, stripTicks, tableRows, type TableRow } from './markdown.ts'
import {
  envReads,
  occurringInSources,
  workerEnv,
  workflowNames,
  wranglerSecrets,
  wranglerVars,
} from './sources.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const DOC = 'docs/configuration.md'
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8')

/**
 * Named by the page before the code that reads them is on this branch: the loop (scripts/loop/,
 * issue 18) reads FCV_STATE_DIR. Once the sources read a name, it must leave this list.
 */
export const PENDING = new Set<string>([])

const doc = read(DOC)
const rows = tableRows(doc)
const nameOf = (r: TableRow) => stripTicks(r.cells[0] ?? '')
/** A default cell as text: the code span's content, or the text itself ("(none)"). */
const defaultOf = (r: TableRow) => stripTicks(r.cells[1] ?? '')

/** Every key path of a YAML mapping, to its value; arrays are values. */
function flatten(node: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>()
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [kk, vv] of flatten(v, key)) out.set(kk, vv)
    } else out.set(key, v)
  }
  return out
}

/** What the page should show for a default: '(none)' unset, '(empty)' an empty text or list. */
function shown(value: unknown): string {
  if (value === undefined) return '(none)'
  const text = Array.isArray(value) ? value.join(',') : String(value)
  return text === '' ? '(empty)' : text
}

/** Lists the problems, so a failure names every one at once. */
function expectNone(problems: string[], what: string) {
  expect(problems, `${DOC} ${what}:\n  ${problems.join('\n  ')}`).toEqual([])
}

describe(DOC, () => {
  it('has every params.yaml key, with the value params.yaml gives it, and no other', () => {
    const params = flatten(parseYaml(read('params.yaml')))
    const documented = new Map(rows.filter((r) => r.header === 'key').map((r) => [nameOf(r), r]))
    const problems: string[] = []
    for (const [key, value] of params) {
      const row = documented.get(key)
      if (!row) {
        problems.push(`${key}: missing (params.yaml sets it to ${JSON.stringify(value)})`)
        continue
      }
      if (Array.isArray(value) && value.some((v) => v !== null && typeof v === 'object')) {
        // A list of records (backtest.stores): the page names each by its name.
        const cell = row.cells[1] ?? ''
        for (const item of value as { name?: string }[]) {
          if (!cell.includes(`\`${item.name}\``)) {
            problems.push(`${key} (line ${row.line}): does not name \`${item.name}\``)
          }
        }
        continue
      }
      let given: unknown
      try {
        given = parseYaml(defaultOf(row))
      } catch {
        given = defaultOf(row)
      }
      if (!isDeepStrictEqual(given, value)) {
        problems.push(
          `${key} (line ${row.line}): shows ${JSON.stringify(given)}, params.yaml has ${JSON.stringify(value)}`
        )
      }
    }
    for (const [key, row] of documented) {
      if (!params.has(key)) problems.push(`${key} (line ${row.line}): not a key of params.yaml`)
    }
    expectNone(problems, 'and params.yaml differ')
  })

  it("has every control-plane variable with the schema's default", () => {
    const defaults = ConfigSchema.parse({}) as Record<string, unknown>
    const documented = new Map(
      rows.filter((r) => r.section === 'Control plane').map((r) => [nameOf(r), r])
    )
    const problems: string[] = []
    for (const key of Object.keys(ConfigSchema.shape)) {
      const row = documented.get(key)
      if (!row) problems.push(`${key}: missing (control-plane/src/config.ts reads it)`)
      else if (defaultOf(row) !== shown(defaults[key])) {
        problems.push(
          `${key} (line ${row.line}): default ${defaultOf(row)}, the schema's is ${shown(defaults[key])}`
        )
      }
    }
    for (const [name, row] of documented) {
      if (!(name in ConfigSchema.shape)) {
        problems.push(`${name} (line ${row.line}): not in control-plane/src/config.ts`)
      }
    }
    expectNone(problems, 'and the control-plane config differ')
  })

  it("has every Worker var with wrangler.toml's value, every secret and binding", () => {
    const toml = read('wrangler.toml')
    const vars = wranglerVars(toml)
    const top = vars.get('')!
    const env = workerEnv(read('edge-worker/src/env.ts'))
    const varRows = new Map(rows.filter((r) => r.header === 'var').map((r) => [nameOf(r), r]))
    const secretRows = new Set(rows.filter((r) => r.header === 'secret').map(nameOf))
    const spans = new Set(codeSpans(doc).map((s) => s.text))
    const problems: string[] = []
    const allVars = new Set([...vars.values()].flatMap((m) => [...m.keys()]))
    for (const name of allVars) {
      const row = varRows.get(name)
      if (!row) problems.push(`${name}: missing (a [vars] entry of wrangler.toml)`)
      else if (defaultOf(row) !== shown(top.get(name))) {
        problems.push(
          `${name} (line ${row.line}): default ${defaultOf(row)}, wrangler.toml's is ${shown(top.get(name))}`
        )
      }
    }
    for (const [name, row] of varRows) {
      if (!allVars.has(name))
        problems.push(`${name} (line ${row.line}): not a var of wrangler.toml`)
    }
    const secrets = [...env.strings].filter((n) => !allVars.has(n))
    for (const name of new Set([...secrets, ...wranglerSecrets(toml)])) {
      if (!secretRows.has(name)) problems.push(`${name}: missing from the secrets table`)
    }
    for (const name of secretRows) {
      if (!env.strings.has(name)) problems.push(`${name}: the Worker's Env has no such secret`)
    }
    for (const name of env.bindings) {
      if (!spans.has(name)) problems.push(`${name}: binding not named`)
    }
    expectNone(problems, 'and the Worker differ')
  })

  it('has every environment variable the sources read, in a table', () => {
    const documented = new Set(rows.map(nameOf))
    // The Worker's bindings are read as env.X too; the test above holds the page to them.
    const { bindings } = workerEnv(read('edge-worker/src/env.ts'))
    const problems = [...envReads(ROOT)]
      .filter(([name]) => !documented.has(name) && !bindings.has(name))
      .map(([name, files]) => `${name}: missing (read in ${[...files].sort().join(', ')})`)
    for (const name of workflowNames(ROOT)) {
      if (!documented.has(name)) problems.push(`${name}: missing (.github/workflows)`)
    }
    expectNone(problems, 'lacks variables')
  })

  it('names no variable the sources no longer have', () => {
    const names = new Map<string, number>()
    for (const s of codeSpans(doc)) {
      if (/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(s.text)) names.set(s.text, s.line)
    }
    for (const r of rows) if (/^[A-Z][A-Z0-9_]+$/.test(nameOf(r))) names.set(nameOf(r), r.line)
    const present = occurringInSources(ROOT, [...names.keys()])
    const problems: string[] = []
    for (const [name, line] of names) {
      const found = present.has(name)
      if (PENDING.has(name)) {
        if (found) problems.push(`${name}: the sources read it now; remove it from PENDING`)
      } else if (!found) problems.push(`${name} (line ${line}): in no source file`)
    }
    expectNone(problems, 'names what is gone')
  })
})
