// The JSON paths where two renderings differ, per object ("Kind/name:/json/pointer"), and their
// comparison with the committed list of intended differences (k8s/overlays/expected-differences.json,
// where "*" in an entry matches any run of characters).

import { objectId, type K8sObject } from './render.ts'

function leaves(value: unknown, pointer: string, out: Map<string, string>): void {
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
    if (entries.length === 0) out.set(pointer, JSON.stringify(value))
    for (const [k, v] of entries) {
      leaves(v, `${pointer}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`, out)
    }
  } else {
    out.set(pointer, JSON.stringify(value))
  }
}

export function differingPaths(a: K8sObject[], b: K8sObject[]): string[] {
  const flatten = (objects: K8sObject[]) => {
    const m = new Map<string, string>()
    for (const o of objects) leaves(o, `${objectId(o)}:`, m)
    return m
  }
  const fa = flatten(a)
  const fb = flatten(b)
  const keys = new Set([...fa.keys(), ...fb.keys()])
  return [...keys].filter((k) => fa.get(k) !== fb.get(k)).sort()
}

const globToRegExp = (glob: string) =>
  new RegExp(
    `^${glob
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`
  )

/** Differences no entry allows, and entries that match no difference (stale). */
export function compareWithExpected(actual: string[], expected: string[]) {
  const patterns = expected.map((e) => ({ e, re: globToRegExp(e) }))
  return {
    unexpected: actual.filter((p) => !patterns.some(({ re }) => re.test(p))),
    stale: patterns.filter(({ re }) => !actual.some((p) => re.test(p))).map(({ e }) => e),
  }
}
