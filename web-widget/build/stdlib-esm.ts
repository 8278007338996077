// stdlib's packages are CommonJS, one small module per function or constant (about 60 behind core's
// exp, expm1, ln and log1p). Bundled as CommonJS, each gets a lazy-init wrapper and every call goes
// through a module object ((0, x.default)(y)); as ES modules they share one scope, constants inline
// and the wrappers go (measured: 2.1 KB of the script-tag file, 0.6 KB gzip). Their lib/ files use
// CommonJS in two forms only, top-level `var x = require('…')[.name];` and `module.exports = y;`,
// which this rewrites; a module that uses it any other way fails the build (rather than being
// wrapped: stdlib-natives.ts gives ES modules, which a require() would get as namespaces).

import MagicString from 'magic-string'
import type { Plugin } from 'vite'
import { parseSync } from 'rolldown/utils'

interface Node {
  type: string
  start: number
  end: number
  [key: string]: unknown
}

const isRequire = (n: Node | null | undefined): string | undefined => {
  if (n?.type !== 'CallExpression') return undefined
  const [arg, more] = n['arguments'] as Node[]
  const callee = n['callee'] as Node
  return callee.type === 'Identifier' && callee['name'] === 'require' && !more
    ? arg?.type === 'Literal' && typeof arg['value'] === 'string'
      ? arg['value']
      : undefined
    : undefined
}

const isModuleExports = (n: Node): boolean => {
  if (n.type !== 'MemberExpression' || n['computed']) return false
  const object = n['object'] as Node
  const property = n['property'] as Node
  return (
    object.type === 'Identifier' && object['name'] === 'module' && property['name'] === 'exports'
  )
}

/** Whether `node` still names require, module or exports anywhere (CommonJS left over). */
function usesCommonJs(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(usesCommonJs)
  if (typeof node !== 'object' || node === null) return false
  const n = node as Node
  if (n.type === 'Identifier' && ['require', 'module', 'exports'].includes(n['name'] as string)) {
    return true
  }
  return Object.values(n).some(usesCommonJs)
}

/** `code` as an ES module, or null when it uses CommonJS beyond the two forms above. */
export function stdlibToEsm(code: string, id: string): MagicString | null {
  const { program, errors } = parseSync(id, code, { sourceType: 'script', lang: 'js' })
  if (errors.length > 0) return null
  const s = new MagicString(code)
  let imports = 0
  let exported = false
  const rest: Node[] = []
  const body = program.body as unknown as Node[]
  const declared = new Set<string>()
  for (const st of body) {
    if (st.type === 'FunctionDeclaration') declared.add((st['id'] as Node)['name'] as string)
    if (st.type === 'VariableDeclaration') {
      for (const d of st['declarations'] as Node[])
        declared.add((d['id'] as Node)['name'] as string)
    }
  }
  for (const st of body) {
    if (st.type === 'VariableDeclaration' && (st['declarations'] as Node[]).length === 1) {
      const [d] = st['declarations'] as Node[]
      const init = d!['init'] as Node | null
      const name = (d!['id'] as Node)['name'] as string | undefined
      const direct = isRequire(init)
      const member =
        init?.type === 'MemberExpression' && !init['computed'] ? (init['object'] as Node) : null
      const viaMember = isRequire(member)
      if (name && direct !== undefined) {
        s.overwrite(st.start, st.end, `import ${name} from '${direct}';`)
        imports++
        continue
      }
      if (name && viaMember !== undefined) {
        const local = `__stdlib${imports}`
        const property = (init!['property'] as Node)['name'] as string
        s.overwrite(
          st.start,
          st.end,
          `import ${local} from '${viaMember}'; var ${name} = ${local}.${property};`
        )
        imports++
        continue
      }
    }
    const e = st.type === 'ExpressionStatement' ? (st['expression'] as Node) : null
    if (e?.type === 'AssignmentExpression' && isModuleExports(e['left'] as Node) && !exported) {
      // A module's own name is exported as itself: `export default name` binds a copy that stays.
      const right = e['right'] as Node
      const value = code.slice(right.start, right.end)
      s.overwrite(
        st.start,
        st.end,
        declared.has(value) ? `export { ${value} as default };` : `export default ${value};`
      )
      exported = true
      continue
    }
    rest.push(st)
  }
  return exported && !usesCommonJs(rest) ? s : null
}

const STDLIB_LIB = /\/node_modules\/@stdlib\/[^/]+\/lib\/[^/]+\.js$/

/**
 * The Vite plugin: stdlib's lib/ modules as ES modules. A module whose text is another's, byte for
 * byte, and that imports only packages (a relative import would mean another module from another
 * folder) re-exports the first one: stdlib copies small helpers between packages (to-words' and
 * from-words' indices.js, get-high-word's and set-high-word's high.js).
 */
export function stdlibEsm(): Plugin {
  const first = new Map<string, string>()
  return {
    name: 'fcv-stdlib-esm',
    transform(code, id) {
      if (!STDLIB_LIB.test(id)) return null
      const s = stdlibToEsm(code, id)
      if (!s) this.error(`${id} uses CommonJS beyond what build/stdlib-esm.ts rewrites`)
      if (!/require\(\s*['"]\./.test(code)) {
        const same = first.get(code)
        if (same === undefined) first.set(code, id)
        else if (same !== id) return { code: `export { default } from ${JSON.stringify(same)}` }
      }
      return { code: s.toString(), map: s.generateMap({ hires: true, source: id }) }
    },
  }
}
