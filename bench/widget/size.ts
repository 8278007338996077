// The size half of the widget benchmark: every script web-widget/build.ts writes, as built (bytes on
// disk), minified (oxc, what a bundler's minifier makes of it: the ES module is shipped unminified
// for bundlers) and gzip -9 (the gzip command, no name in the header), and the script-tag file's
// 15 KB budget.

import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { minifySync } from 'rolldown/utils'
import { FALLBACKS } from '../../web-widget/build.ts'
import { target, type TargetRecord } from '../targets.ts'

export const SCRIPT_TAG_FILE = 'fcv-widget.iife.js'
export const ES_FILE = 'fcv-widget.js'
/** The script-tag file, gzip -9, in bytes: 15 KB. 15 KiB (15,360) is printed beside it. */
export const BUDGET_GZIP_BYTES = 15_000
const KIB_15 = 15 * 1024

export interface FileSize {
  file: string
  /** What the file is: the script tag's, the ES module, or the fallback of a package. */
  role: string
  bytes: number
  gzip: number
  minified: number
  minifiedGzip: number
}

/** gzip -9 of `data`, as the gzip command compresses it. */
export function gzipBytes(data: string | Uint8Array): number {
  return execFileSync('gzip', ['-9', '-n', '-c'], { input: data, maxBuffer: 1 << 28 }).length
}

function roleOf(file: string): string {
  if (file === SCRIPT_TAG_FILE) return 'script tag (IIFE)'
  if (file === ES_FILE) return 'ES module'
  const pkg = Object.entries(FALLBACKS).find(([, f]) => f === file)?.[0]
  return pkg ? `fallback: ${pkg}` : 'fallback: shared chunk'
}

/** Sizes of the scripts in `dist`: the script-tag file, the ES module, then the fallbacks. */
export function widgetFileSizes(dist: string): FileSize[] {
  const files = readdirSync(dist).filter((f) => f.endsWith('.js'))
  for (const wanted of [SCRIPT_TAG_FILE, ES_FILE, ...Object.values(FALLBACKS)]) {
    if (!files.includes(wanted)) throw new Error(`${dist} has no ${wanted}: did the build run?`)
  }
  const order = (f: string) => (f === SCRIPT_TAG_FILE ? 0 : f === ES_FILE ? 1 : 2)
  return files
    .sort((a, b) => order(a) - order(b) || a.localeCompare(b))
    .map((file) => {
      const code = readFileSync(path.join(dist, file), 'utf8')
      const minified = minifySync(file, code).code
      return {
        file,
        role: roleOf(file),
        bytes: Buffer.byteLength(code),
        gzip: gzipBytes(code),
        minified: Buffer.byteLength(minified),
        minifiedGzip: gzipBytes(minified),
      }
    })
}

/** The budget: the script-tag file as served (the build minifies it), gzip -9. */
export function budgetTarget(sizes: readonly FileSize[]): TargetRecord {
  const figure = sizes.find((s) => s.file === SCRIPT_TAG_FILE)!.gzip
  const over = (limit: number) =>
    figure <= limit
      ? `${(limit - figure).toLocaleString('en')} B to spare`
      : `${(figure - limit).toLocaleString('en')} B over`
  return target(
    `${SCRIPT_TAG_FILE} gzip -9 (15 KB budget)`,
    figure,
    'B',
    '<=',
    BUDGET_GZIP_BYTES,
    `15 KB: ${over(BUDGET_GZIP_BYTES)}; 15 KiB (${KIB_15.toLocaleString('en')} B): ` +
      `${figure <= KIB_15 ? 'PASS' : 'FAIL'}, ${over(KIB_15)}`
  )
}

export function sizeTable(sizes: readonly FileSize[]): string {
  const n = (v: number) => v.toLocaleString('en').padStart(10)
  const head = `${'file'.padEnd(34)}${'bytes'.padStart(10)}${'gzip -9'.padStart(10)}${'minified'.padStart(10)}${'min+gz'.padStart(10)}  role`
  return [
    head,
    ...sizes.map(
      (s) =>
        `${s.file.padEnd(34)}${n(s.bytes)}${n(s.gzip)}${n(s.minified)}${n(s.minifiedGzip)}  ${s.role}`
    ),
  ].join('\n')
}
