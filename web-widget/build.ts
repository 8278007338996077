// Builds the widget into dist/:
//   fcv-widget.js + .d.ts   ES module for bundlers (core bundled in; tfjs and the Ed25519 fallback
//                           left to the bundler as dynamic imports of their packages)
//   fcv-widget.iife.js      the script-tag file: everything a Dense model in a browser with
//                           WebCrypto Ed25519 needs, and nothing else
//   fcv-widget.*.js         the lazy fallbacks the script-tag file imports only when needed (a model
//                           the interpreter cannot run: core's tfjs loader and tfjs; no Ed25519 in
//                           WebCrypto: noble), resolved next to it (a classic script's import() is
//                           relative to its URL)
//   demo/                   the demo shop (demo/serve.ts serves it with the files above)

import { execFileSync } from 'node:child_process'
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { build, type InlineConfig } from 'vite'
import { lazyTfjsLoader, TFJS_LOADER_ID, TFJS_LOADER_SOURCE } from './build/lazy-tfjs-loader.ts'
import { noWasmLong } from './build/no-wasm-long.ts'
import { stdlibEsm } from './build/stdlib-esm.ts'
import { stdlibNatives } from './build/stdlib-natives.ts'

const here = import.meta.dirname
const DIST = join(here, 'dist')

/** The lazy fallbacks: package (or core's tfjs loader) → file next to the script-tag build. */
export const FALLBACKS: Record<string, string> = {
  '@noble/ed25519': 'fcv-widget.noble.js',
  [TFJS_LOADER_ID]: 'fcv-widget.tfjs.js',
  '@tensorflow/tfjs-core': 'fcv-widget.tfjs-core.js',
  '@tensorflow/tfjs-backend-cpu': 'fcv-widget.tfjs-backend-cpu.js',
  '@tensorflow/tfjs-layers': 'fcv-widget.tfjs-layers.js',
}
const external = Object.keys(FALLBACKS)
const paths = (id: string) => `./${FALLBACKS[id] ?? id}`

const common = (dist: string): InlineConfig => ({
  configFile: false,
  logLevel: 'warn',
  root: here,
  plugins: [stdlibNatives(), stdlibEsm(), noWasmLong()],
  build: {
    outDir: dist,
    emptyOutDir: false,
    target: 'es2022',
    minify: true,
    sourcemap: true,
  },
})

/** Builds into `dist` (default: web-widget/dist, what the demo server serves). */
export async function buildWidget(dist = DIST): Promise<void> {
  rmSync(dist, { recursive: true, force: true })
  const base = common(dist)
  await build({
    ...base,
    build: {
      ...base.build,
      lib: { entry: join(here, 'src/index.ts'), formats: ['es'], fileName: () => 'fcv-widget.js' },
      rolldownOptions: { external },
    },
  })
  await build({
    ...base,
    plugins: [...base.plugins!, lazyTfjsLoader()],
    build: {
      ...base.build,
      lib: {
        entry: join(here, 'src/script-tag.ts'),
        formats: ['iife'],
        name: 'fcvWidgetBuild',
        fileName: () => 'fcv-widget.iife.js',
      },
      rolldownOptions: { external, output: { paths } },
    },
  })
  // The packages as entries of one build, so tfjs-layers and the cpu backend share tfjs-core.
  const packages = Object.entries(FALLBACKS).filter(([id]) => id !== TFJS_LOADER_ID)
  await build({
    ...base,
    build: {
      ...base.build,
      rolldownOptions: {
        input: Object.fromEntries(packages.map(([pkg, file]) => [file.replace(/\.js$/, ''), pkg])),
        preserveEntrySignatures: 'strict',
        output: {
          format: 'es',
          entryFileNames: '[name].js',
          chunkFileNames: 'fcv-widget.[hash].js',
        },
      },
    },
  })
  // core's tfjs loader (build/lazy-tfjs-loader.ts), importing tfjs as the script-tag file does. A
  // library build: an app build would wrap each import() in Vite's preload helper.
  await build({
    ...base,
    build: {
      ...base.build,
      lib: {
        entry: TFJS_LOADER_SOURCE,
        formats: ['es'],
        fileName: () => FALLBACKS[TFJS_LOADER_ID]!,
      },
      rolldownOptions: { external: packages.map(([pkg]) => pkg), output: { paths } },
    },
  })
  writeTypes(dist)
  await buildDemo(dist)
}

/** dist/demo: the demo shop (demo/), its script bundled, its customers as exported. */
async function buildDemo(dist: string): Promise<void> {
  const base = common(dist)
  const out = join(dist, 'demo')
  await build({
    ...base,
    build: {
      ...base.build,
      outDir: out,
      rolldownOptions: {
        input: { demo: join(here, 'demo/demo.ts') },
        output: { format: 'es', entryFileNames: '[name].js' },
      },
    },
  })
  for (const file of ['index.html', 'demo.css', 'customers.json']) {
    copyFileSync(join(here, 'demo', file), join(out, file))
  }
}

/** dist/types from tsc, then fcv-widget.d.ts in front of it (see tsconfig.types.json). */
function writeTypes(dist: string): void {
  execFileSync(
    join(here, '../node_modules/.bin/tsc'),
    ['-p', join(here, 'tsconfig.types.json'), '--outDir', join(dist, 'types')],
    { stdio: 'inherit' }
  )
  const types = join(dist, 'types')
  for (const file of readdirSync(types, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.d.ts')) continue
    const path = join(types, file)
    const core = relative(dirname(path), join(types, 'core/src/index.js'))
    const text = readFileSync(path, 'utf8')
      .replace(/(from |import\()'@fcv\/core'/g, `$1'${core.startsWith('.') ? core : `./${core}`}'`)
      .replace(/(from |import\()'(\.{1,2}\/[^']*)\.ts'/g, "$1'$2.js'")
    writeFileSync(path, text)
  }
  writeFileSync(join(dist, 'fcv-widget.d.ts'), "export * from './types/web-widget/src/index.js'\n")
}

if (import.meta.main ?? process.argv[1] === import.meta.filename) await buildWidget()
