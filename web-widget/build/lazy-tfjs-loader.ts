// core's tfjs fallback loader (core/src/scoring/tfjs-fallback.ts: loads tfjs, then the model into
// it) runs only for a model the interpreter cannot run, as tfjs itself does: it belongs with the
// lazy fallbacks, not in the script-tag file (1.5 KB of it minified, 0.5 KB gzip). The script-tag
// build gets a stub in its place that imports the loader when first called, from a fallback file
// of its own built beside tfjs's (build.ts: FALLBACKS). The ES build keeps the loader inline: a
// bundler splits its dynamic imports itself.

import { join } from 'node:path'
import type { Plugin } from 'vite'

/** The loader as the script-tag file imports it (an external: build.ts's FALLBACKS maps it). */
export const TFJS_LOADER_ID = '@fcv/core/tfjs-fallback'
/** The loader's source, the entry of its fallback file. */
export const TFJS_LOADER_SOURCE = join(
  import.meta.dirname,
  '../../core/src/scoring/tfjs-fallback.ts'
)
const STUB = '\0fcv-lazy-tfjs-loader'
const LOADER_IN_CORE = '/core/src/scoring/tfjs-fallback.ts'

/** For the script-tag build: core's loader becomes a stub that imports TFJS_LOADER_ID (external). */
export function lazyTfjsLoader(): Plugin {
  let stubbed = false
  return {
    name: 'fcv-lazy-tfjs-loader',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!source.endsWith('tfjs-fallback.ts')) return null
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true })
      // By its place in core, not its absolute path: through a linked node_modules (a workspace
      // link, the README walk's sandbox) @fcv/core can resolve to another checkout's copy.
      return resolved?.id.replace(/\\/g, '/').endsWith(LOADER_IN_CORE) ? STUB : null
    },
    load(id) {
      if (id !== STUB) return null
      stubbed = true
      return (
        'export const loadTfjsModel = async (doc, weights) =>\n' +
        `  (await import('${TFJS_LOADER_ID}')).loadTfjsModel(doc, weights)\n`
      )
    },
    buildEnd(error) {
      if (!error && !stubbed)
        this.error(`${TFJS_LOADER_SOURCE} was not imported: is the stub still needed?`)
    },
  }
}
