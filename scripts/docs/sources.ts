// Which configuration the code reads, found in the sources themselves, so the configuration page
// can be held to it: environment variables (process.env, env objects, commander's .env(), the
// control plane's config schema, shell `${X:-default}`), the Worker's vars, secrets and bindings,
// and the GitHub workflows' variables and secrets. Tests and test support are left out: what they
// read is not configuration a user sets (the page may still name it).

import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** Variables every process has; not fcv's configuration. */
export const GENERIC = new Set(['HOME', 'PATH', 'USER', 'LOGNAME', 'TMPDIR'])

export function trackedFiles(root: string): string[] {
  const out = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: root,
    }
  )
  return out.toString().split('\0').filter(Boolean)
}

export function isTestFile(path: string): boolean {
  const base = path.split('/').at(-1)!
  return (
    /\.(test|e2e\.test|spec)\.[cm]?[jt]s$/.test(base) ||
    base.startsWith('test-') ||
    base.endsWith('.d.ts') ||
    /(^|\/)(test|tests|test-support|e2e|integration)\//.test(path)
  )
}

const TS = /\.[cm]?[jt]s$/
const SHELL = (p: string) => p.endsWith('.sh') || p === 'scripts/with-node22' || p === '.ci/run'

const NAME = '[A-Z][A-Z0-9_]*'
const TS_READS = [
  // process.env.X, process.env['X'], env['X'], c.env.X, env?.X
  new RegExp(`\\benv\\??(?:\\.(${NAME})\\b|\\[\\s*['"\`](${NAME})['"\`]\\s*\\])`, 'g'),
  // commander: new Option(...).env('X')
  new RegExp(`\\.env\\(\\s*['"](${NAME})['"]`, 'g'),
  // a name passed on to a reader: numberFrom(env, 'MLFLOW_HTTP_REQUEST_TIMEOUT', ...)
  /['"`]((?:FCV|MLFLOW)_[A-Z0-9_]+)['"`]/g,
]
// ${X:-default} and ${X-default}: read from the environment, with a fallback.
const SHELL_READS = new RegExp(`\\$\\{(${NAME}):?-`, 'g')

/** Environment variables read by the non-test sources, each with the files that read it. */
export function envReads(root: string): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>()
  const add = (name: string, file: string) => {
    if (GENERIC.has(name)) return
    if (!found.has(name)) found.set(name, new Set())
    found.get(name)!.add(file)
  }
  for (const file of trackedFiles(root)) {
    if (isTestFile(file) || file.startsWith('scripts/docs/')) continue
    const patterns = TS.test(file) ? TS_READS : SHELL(file) ? [SHELL_READS] : null
    if (!patterns || file.includes('node_modules/')) continue
    const text = readFileSync(join(root, file), 'utf8')
    for (const re of patterns) {
      for (const m of text.matchAll(re)) add((m[1] ?? m[2])!, file)
    }
  }
  return found
}

/** The names of every [vars] table of wrangler.toml (top level and each environment's). */
export function wranglerVars(toml: string): Map<string, Map<string, string>> {
  const byEnv = new Map<string, Map<string, string>>()
  let current: Map<string, string> | null = null
  for (const line of toml.split('\n')) {
    const table = /^\s*\[([^\]]+)\]\s*(#.*)?$/.exec(line)
    if (table) {
      const name = table[1]!.trim()
      const env = name === 'vars' ? '' : /^env\.([\w-]+)\.vars$/.exec(name)?.[1]
      current = env === undefined ? null : new Map()
      if (current) byEnv.set(env!, current)
      continue
    }
    const kv = /^\s*([A-Z][A-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/.exec(line)
    if (current && kv) current.set(kv[1]!, kv[2]!.replace(/\\(.)/g, '$1'))
  }
  return byEnv
}

/** The secrets wrangler.toml's environments require (`secrets.required`). */
export function wranglerSecrets(toml: string): Set<string> {
  const out = new Set<string>()
  for (const m of toml.matchAll(/^\s*required\s*=\s*\[([^\]]*)\]/gm)) {
    for (const s of m[1]!.matchAll(/"([^"]+)"/g)) out.add(s[1]!)
  }
  return out
}

/** The fields of the Worker's `Env` interface: vars and secrets (string) and bindings (the rest). */
export function workerEnv(source: string): { strings: Set<string>; bindings: Set<string> } {
  const body = /export interface Env \{([\s\S]*?)\n\}/.exec(source)?.[1]
  if (!body) throw new Error('edge-worker/src/env.ts has no `export interface Env { ... }`')
  const strings = new Set<string>()
  const bindings = new Set<string>()
  for (const m of body.matchAll(/^\s*([A-Z][A-Z0-9_]*)\??:\s*([^\n]+)$/gm)) {
    ;(m[2]!.trim() === 'string' ? strings : bindings).add(m[1]!)
  }
  return { strings, bindings }
}

/** `vars.X` and `secrets.X` of the GitHub workflows (GITHUB_TOKEN is GitHub's own). */
export function workflowNames(root: string): Set<string> {
  const out = new Set<string>()
  for (const file of trackedFiles(root).filter((f) => /^\.github\/workflows\/.+\.ya?ml$/.test(f))) {
    const text = readFileSync(join(root, file), 'utf8')
    for (const m of text.matchAll(/\b(?:vars|secrets)\.([A-Z][A-Z0-9_]*)\b/g)) {
      if (m[1] !== 'GITHUB_TOKEN') out.add(m[1]!)
    }
  }
  return out
}

/** Which of the names occur as words in a file that is neither Markdown nor one of these tests. */
export function occurringInSources(root: string, names: readonly string[]): Set<string> {
  if (names.length === 0) return new Set()
  const args = ['grep', '--untracked', '-h', '-o', '-w', '-F', ...names.flatMap((n) => ['-e', n])]
  try {
    const out = execFileSync('git', [...args, '--', '.', ':!*.md', ':!scripts/docs/'], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    })
    return new Set(out.toString().split('\n').filter(Boolean))
  } catch (e) {
    if ((e as { status?: number }).status === 1) return new Set() // none found
    throw e
  }
}
