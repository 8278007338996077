// docs/troubleshooting.md quotes what fcv prints: each quoted line (a `> ` line holding one code
// span) must still be in the sources, so the page cannot drift from the messages. `…` stands for an
// interpolated part: every piece between them (trimmed) must occur in one and the same source file.

import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { codeSpans } from './markdown.ts'
import { trackedFiles } from './sources.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const DOC = 'docs/troubleshooting.md'

/** The page's quoted messages: a blockquote line that is one code span. */
export function quotedMessages(markdown: string): { text: string; line: number }[] {
  return markdown
    .split('\n')
    .map((l, i) => ({ l, i }))
    .filter(({ l }) => /^> `.*`\s*$/.test(l))
    .map(({ l, i }) => {
      const spans = codeSpans(l.slice(2))
      if (spans.length !== 1) throw new Error(`${DOC}:${i + 1}: a quote is one code span`)
      return { text: spans[0]!.text, line: i + 1 }
    })
}

/**
 * A source as its messages read: escaped backticks unescaped (shell and template strings), and
 * adjacent string literals joined ('a ' +\n 'b' is "a b").
 */
export function messageText(source: string): string {
  return source.replace(/\\`/g, '`').replace(/['"`]\s*\+\s*['"`]/g, '')
}

function sources(): Map<string, string> {
  const out = new Map<string, string>()
  for (const f of trackedFiles(ROOT)) {
    if (f.endsWith('.md') || f.startsWith('scripts/docs/') || f.includes('node_modules/')) continue
    if (!/\.([cm]?[jt]s|sh)$/.test(f) && !f.startsWith('scripts/with-node22')) continue
    out.set(f, messageText(readFileSync(join(ROOT, f), 'utf8')))
  }
  return out
}

describe(DOC, () => {
  it('quotes only messages that are in the sources', () => {
    const quotes = quotedMessages(readFileSync(join(ROOT, DOC), 'utf8'))
    expect(quotes.length).toBeGreaterThan(15)
    const files = [...sources()]
    const missing = quotes.filter(({ text }) => {
      const pieces = text
        .split('…')
        .map((p) => p.trim())
        .filter((p) => p.length > 0)
      return !files.some(([, src]) => pieces.every((p) => src.includes(p)))
    })
    expect(
      missing.map((q) => `line ${q.line}: ${q.text}`),
      'quoted in the page, in no source file'
    ).toEqual([])
  })

  it('the check finds a message that is not there', () => {
    const files = [...sources()]
    const absent = 'fcv needs Node 23.99 or newer'
    expect(files.some(([, src]) => src.includes(absent))).toBe(false)
    expect(messageText("throw new E('a b ' +\n    'c d')")).toContain('a b c d')
  })
})
