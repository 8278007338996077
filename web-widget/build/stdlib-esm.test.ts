// @vitest-environment node
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import fc from 'fast-check'
import { build, type Rolldown } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as portable from '../../core/src/portable-math.ts'
import { stdlibEsm, stdlibToEsm } from './stdlib-esm.ts'
import { stdlibNatives } from './stdlib-natives.ts'

const esm = (code: string) => stdlibToEsm(code, 'x.js')?.toString() ?? null

describe('stdlibToEsm', () => {
  it('rewrites top-level requires and module.exports', () => {
    const code = [
      "'use strict';",
      "var isnan = require( '@stdlib/math-base-assert-is-nan' );",
      "var assign = require( './assign.js' ).assign;",
      'function f( x ) { return isnan( x ) ? x : assign( x ); }',
      'module.exports = f;',
    ].join('\n')
    expect(esm(code)).toBe(
      [
        "'use strict';",
        "import isnan from '@stdlib/math-base-assert-is-nan';",
        "import __stdlib1 from './assign.js'; var assign = __stdlib1.assign;",
        'function f( x ) { return isnan( x ) ? x : assign( x ); }',
        'export { f as default };',
      ].join('\n')
    )
    expect(esm('module.exports = Number.NEGATIVE_INFINITY;')).toBe(
      'export default Number.NEGATIVE_INFINITY;'
    )
    expect(esm('module.exports = Number;')).toBe('export default Number;')
  })

  it('leaves a module alone that uses CommonJS any other way', () => {
    expect(esm("var a = require( './a.js' ); exports.b = a;")).toBeNull()
    expect(esm("function f() { return require( './a.js' ); }\nmodule.exports = f;")).toBeNull()
    expect(esm("var x = require( './' + name );\nmodule.exports = x;")).toBeNull()
    expect(esm('module.exports = 1;\nmodule.exports = 2;')).toBeNull()
    expect(esm('var a = 1;')).toBeNull()
  })
})

describe('stdlibEsm', () => {
  type Transform = (code: string, id: string) => { code: string } | null
  const lib = (pkg: string, file: string) => `/x/node_modules/@stdlib/${pkg}/lib/${file}`

  it("re-exports a module that repeats another's text, when it imports only packages", () => {
    const transform = stdlibEsm().transform as unknown as Transform
    const indices = "var le = require( '@stdlib/assert-is-little-endian' );\nmodule.exports = le;"
    const index = "var main = require( './main.js' );\nmodule.exports = main;"
    const first = lib('number-float64-base-to-words', 'indices.js')
    expect(transform(indices, first)!.code).toContain('export { le as default }')
    expect(transform(indices, lib('number-float64-base-from-words', 'indices.js'))!.code).toBe(
      `export { default } from ${JSON.stringify(first)}`
    )
    transform(index, lib('a', 'index.js'))
    expect(transform(index, lib('b', 'index.js'))!.code).toContain("import main from './main.js'")
    expect(transform('module.exports = 1;', '/x/src/a.js')).toBeNull()
  })
})

// The widget build's view of core's portable math: stdlib through both plugins, in one ES module.
describe("core's portable math as the widget build bundles it", () => {
  let dir: string
  let code: string
  let bundled: typeof portable

  beforeAll(async () => {
    const out = (await build({
      configFile: false,
      logLevel: 'warn',
      plugins: [stdlibNatives(), stdlibEsm()],
      build: {
        write: false,
        minify: true,
        lib: {
          entry: join(import.meta.dirname, '../../core/src/portable-math.ts'),
          formats: ['es'],
        },
      },
    })) as Rolldown.RolldownOutput[]
    code = out[0]!.output[0].code
    dir = mkdtempSync(join(tmpdir(), 'fcv-stdlib-esm-'))
    const file = join(dir, 'portable-math.mjs')
    writeFileSync(file, code)
    bundled = (await import(pathToFileURL(file).href)) as typeof portable
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('has no CommonJS left: every stdlib module was rewritten', () => {
    // Rolldown's CommonJS wrapper is (e, t) => () => (t || e((t = { exports: {} }).exports, t), …).
    expect(code).not.toMatch(/\{exports:\{\}\}|\brequire\(/)
  })

  it('computes exp, expm1, log and log1p bit for bit as stdlib does', () => {
    const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))
    const specials = [0, -0, 1, -1, 1e-300, 5e-324, 709.78, -745.1, Infinity, -Infinity, NaN]
    for (const name of ['exp', 'expm1', 'log', 'log1p'] as const) {
      for (const x of specials)
        expect(same(bundled[name](x), portable[name](x)), `${name}(${x})`).toBe(true)
      for (const xs of [fc.double({ noNaN: true }), fc.double({ min: -40, max: 40 })]) {
        fc.assert(
          fc.property(xs, (x) => same(bundled[name](x), portable[name](x))),
          { numRuns: 20_000 }
        )
      }
    }
  })
})
