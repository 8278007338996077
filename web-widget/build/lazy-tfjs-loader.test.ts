// @vitest-environment node
import { join } from 'node:path'
import { build, type Rolldown } from 'vite'
import { describe, expect, it } from 'vitest'
import { lazyTfjsLoader, TFJS_LOADER_ID } from './lazy-tfjs-loader.ts'

/** A script-tag style build of core's model scorer, which imports the tfjs loader. */
async function iife(plugins: ReturnType<typeof lazyTfjsLoader>[]): Promise<string> {
  const out = (await build({
    configFile: false,
    logLevel: 'silent',
    plugins,
    build: {
      write: false,
      minify: false,
      lib: {
        entry: join(import.meta.dirname, '../../core/src/scoring/signed-scorer.ts'),
        formats: ['iife'],
        name: 'scorer',
      },
      rolldownOptions: {
        external: [TFJS_LOADER_ID, /^@tensorflow\//],
        output: { paths: { [TFJS_LOADER_ID]: './fcv-widget.tfjs.js' } },
      },
    },
  })) as Rolldown.RolldownOutput[]
  return out[0]!.output[0].code
}

describe('lazyTfjsLoader', () => {
  it("leaves core's tfjs loader out of the script-tag file, importing it when called", async () => {
    const inline = await iife([])
    expect(inline).toContain('tfjs cannot load the model')
    const lazy = await iife([lazyTfjsLoader()])
    expect(lazy).not.toContain('tfjs cannot load the model')
    expect(lazy).not.toMatch(/@tensorflow/)
    expect(lazy).toMatch(/import\(["'`]\.\/fcv-widget\.tfjs\.js["'`]\)\)\.loadTfjsModel\(/)
  })
})
