import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import type { z } from 'zod'
import { ParamsSchema, type Params } from './schema.ts'

export class ParamsError extends Error {
  override name = 'ParamsError'
}

/**
 * Applies one `key.path=value` override. The value is read as YAML, so `--set features.count=4`
 * gives a number and `--set data.header=false` a boolean, while `--set data.path=x.csv` stays text.
 */
export function applyOverride(target: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=')
  if (eq <= 0) throw new ParamsError(`--set "${assignment}" must look like key.path=value`)
  const keys = assignment.slice(0, eq).split('.')
  const raw = assignment.slice(eq + 1)
  let value: unknown
  try {
    value = parseYaml(raw)
  } catch {
    value = raw
  }
  let node: Record<string, unknown> = target
  for (const k of keys.slice(0, -1)) {
    const next = node[k]
    if (next === undefined || next === null) node[k] = {}
    else if (typeof next !== 'object' || Array.isArray(next)) {
      throw new ParamsError(`--set "${assignment}": "${k}" is not a section`)
    }
    node = node[k] as Record<string, unknown>
  }
  node[keys.at(-1) as string] = value ?? null
}

function describeIssues(error: z.ZodError, source: string): string {
  return error.issues
    .map((i) => `  ${source}: ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('\n')
}

/** Reads, overrides and validates params; errors name the file and each key at fault. */
export function loadParams(file: string, overrides: readonly string[] = []): Params {
  let doc: unknown
  try {
    doc = parseYaml(readFileSync(file, 'utf8'))
  } catch (e) {
    throw new ParamsError(`cannot read params file ${file}: ${(e as Error).message}`, { cause: e })
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ParamsError(`params file ${file} must be a YAML mapping`)
  }
  for (const o of overrides) applyOverride(doc as Record<string, unknown>, o)
  const parsed = ParamsSchema.safeParse(doc)
  if (!parsed.success) {
    throw new ParamsError(`invalid params:\n${describeIssues(parsed.error, file)}`)
  }
  return parsed.data
}
