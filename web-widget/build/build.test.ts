// @vitest-environment node
// The build as shipped: every file the README names, the script-tag file importing only its own
// lazy fallbacks (none of zod, tfjs or noble inside it), and type declarations a strict consumer
// compiles against.

import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildWidget } from '../build.ts'

const TSC = join(import.meta.dirname, '../../node_modules/.bin/tsc')
let dist: string

beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), 'fcv-widget-build-'))
  await buildWidget(dist)
}, 120_000)
afterAll(() => rmSync(dist, { recursive: true, force: true }))

describe('the widget build', () => {
  it('writes the ES module, the script-tag file, the fallbacks, the types and the demo', () => {
    for (const file of [
      'fcv-widget.js',
      'fcv-widget.iife.js',
      'fcv-widget.d.ts',
      'fcv-widget.noble.js',
      'demo/index.html',
      'demo/demo.js',
      'demo/customers.json',
    ]) {
      expect(existsSync(join(dist, file)), file).toBe(true)
    }
  })

  it('the script-tag file imports only files next to it, and carries no zod, tfjs or noble', () => {
    const iife = readFileSync(join(dist, 'fcv-widget.iife.js'), 'utf8')
    const imports = [...iife.matchAll(/import\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]!)
    expect(imports.length).toBeGreaterThan(0)
    for (const spec of imports) {
      expect(spec).toMatch(/^\.\/fcv-widget\.[\w.-]+\.js$/)
      expect(existsSync(join(dist, spec)), spec).toBe(true)
    }
    // Tested without printing the file on failure (it is one minified line).
    expect(/ZodError|\$ZodType/.test(iife), 'zod').toBe(false)
    expect(/registerKernel|@tensorflow\//.test(iife), 'tfjs').toBe(false)
    expect(/\beval\(|new Function\(/.test(iife), 'eval').toBe(false)
  })

  it('ships types a strict consumer compiles against, and that catch misuse', () => {
    const consumer = (body: string) => {
      const file = join(dist, `consumer-${Math.random().toString(36).slice(2)}.mts`)
      writeFileSync(
        file,
        `import { loadModel, FcvCustomerValue, type WidgetScore } from './fcv-widget.js'\n${body}\n`
      )
      try {
        execFileSync(
          TSC,
          [
            '--noEmit',
            '--strict',
            '--target',
            'es2022',
            '--module',
            'nodenext',
            '--moduleResolution',
            'nodenext',
            '--lib',
            'es2023,dom',
            '--skipLibCheck',
            file,
          ],
          { stdio: 'pipe' }
        )
        return ''
      } catch (e) {
        return String((e as { stdout?: Buffer }).stdout ?? e)
      }
    }
    expect(
      consumer(`
        FcvCustomerValue.define()
        const model = await loadModel({ bundleUrl: 'https://edge.test/v1/bundle', trustedKeys: 'k:v' })
        const score: WidgetScore = model.score({ customerId: 'c', transactions: [] }, { asOf: 0 })
        const expected: number = score.prediction.expected
        document.querySelector('fcv-customer-value')?.addEventListener('fcv:prediction', (e) => e.detail.prediction.pBuy)
        export { expected }`)
    ).toBe('')
    expect(consumer(`await loadModel({ trustedKeys: 'k:v' })\nexport {}`)).toMatch(/bundleUrl/)
  })
})
