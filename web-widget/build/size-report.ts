// Where the bytes of a built file come from: each byte of the minified output is charged to the
// source file its sourcemap segment points at (up to the next segment), so the figures add up to
// the file's size. Gzip shares are estimates: each source's bytes gzipped alone, which overcounts
// small sources (no shared dictionary), then scaled so the column adds up to the real gzip size.
//   node web-widget/build/size-report.ts [dist/file.js] [--top N]

import { readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { gzipSync } from 'node:zlib'
import { eachMapping, TraceMap } from '@jridgewell/trace-mapping'

export interface SourceSize {
  source: string
  bytes: number
  /** This source's share of the file's gzip size (see the header comment). */
  gzip: number
}

const UNMAPPED = '(unmapped: runtime helpers, wrappers)'

/** Bytes per source of `code`, whose sourcemap is `map`, largest first. */
export function sizeBySource(code: string, map: string): SourceSize[] {
  const lineStarts = [0]
  for (let i = 0; i < code.length; i++) if (code[i] === '\n') lineStarts.push(i + 1)
  const marks: { at: number; source: string }[] = []
  eachMapping(new TraceMap(map), (m) => {
    marks.push({
      at: lineStarts[m.generatedLine - 1]! + m.generatedColumn,
      source: m.source ?? UNMAPPED,
    })
  })
  marks.sort((a, b) => a.at - b.at)
  const chunks = new Map<string, string[]>()
  const charge = (source: string, from: number, to: number) => {
    if (to <= from) return
    const list = chunks.get(source) ?? []
    list.push(code.slice(from, to))
    chunks.set(source, list)
  }
  charge(UNMAPPED, 0, marks[0]?.at ?? code.length)
  marks.forEach((m, i) => charge(m.source, m.at, marks[i + 1]?.at ?? code.length))

  const gzipTotal = gzipSync(code, { level: 9 }).length
  const rows = [...chunks].map(([source, parts]) => {
    const text = parts.join('')
    return { source, bytes: Buffer.byteLength(text), alone: gzipSync(text, { level: 9 }).length }
  })
  const aloneTotal = rows.reduce((s, r) => s + r.alone, 0)
  return rows
    .map((r) => ({
      source: r.source,
      bytes: r.bytes,
      gzip: Math.round((r.alone * gzipTotal) / aloneTotal),
    }))
    .sort((a, b) => b.bytes - a.bytes)
}

/** The package or workspace a source belongs to: "core/src/scoring", "@stdlib/…", … */
export function groupOf(source: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)
  if (pkg) return pkg[1]!
  return source.replace(/^(\.\.\/)+/, '').replace(/\/[^/]*$/, '')
}

function table(rows: readonly SourceSize[], top: number): string {
  const total = rows.reduce((s, r) => [s[0]! + r.bytes, s[1]! + r.gzip], [0, 0])
  const line = (bytes: number, gz: number, name: string) =>
    `${String(bytes).padStart(8)} ${String(gz).padStart(7)}  ${name}`
  return [
    line(total[0]!, total[1]!, 'total (bytes, gzip share)'),
    ...rows.slice(0, top).map((r) => line(r.bytes, r.gzip, r.source)),
    ...(rows.length > top ? [`         … ${rows.length - top} more`] : []),
  ].join('\n')
}

function main(argv: string[]): void {
  const topAt = argv.indexOf('--top')
  const top = topAt >= 0 ? Number(argv[topAt + 1]) : 40
  const file = argv.find((a, i) => !a.startsWith('--') && i !== topAt + 1)
  const path = file ?? join(import.meta.dirname, '../dist/fcv-widget.iife.js')
  const rows = sizeBySource(readFileSync(path, 'utf8'), readFileSync(`${path}.map`, 'utf8'))
  const groups = new Map<string, SourceSize>()
  for (const r of rows) {
    const name = groupOf(r.source)
    const g = groups.get(name) ?? { source: name, bytes: 0, gzip: 0 }
    groups.set(name, { source: name, bytes: g.bytes + r.bytes, gzip: g.gzip + r.gzip })
  }
  const byGroup = [...groups.values()].sort((a, b) => b.bytes - a.bytes)
  process.stdout.write(
    `${relative(process.cwd(), path)}\n\nby folder or package\n${table(byGroup, top)}\n\n` +
      `by source file\n${table(rows, top)}\n`
  )
}

if (import.meta.main ?? process.argv[1] === import.meta.filename) main(process.argv.slice(2))
