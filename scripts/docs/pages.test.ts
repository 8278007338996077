// The pages under docs/: every relative link leads to a file that exists (and to a heading that
// exists, for an #anchor into a page), and the architecture page's Mermaid diagram is well formed
// as far as can be told without a browser: a flowchart whose brackets and subgraphs are closed.

import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { anchors, fencedBlocks, relativeLinks } from './markdown.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const PAGES = readdirSync(join(ROOT, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`)

/** Problems of a link from `page`: a missing file, or a missing heading in a Markdown file. */
export function linkProblems(page: string, markdown: string): string[] {
  const problems: string[] = []
  for (const { target, line } of relativeLinks(markdown)) {
    const [path, anchor] = target.split('#') as [string, string | undefined]
    const file = resolve(ROOT, dirname(page), path)
    if (!existsSync(file)) {
      problems.push(`${page}:${line}: ${target}: no such file`)
    } else if (anchor && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor)) {
      problems.push(`${page}:${line}: ${target}: no heading #${anchor}`)
    }
  }
  return problems
}

/** What is wrong with a Mermaid flowchart's text, as far as brackets and blocks go. */
export function flowchartProblems(code: string): string[] {
  const lines = code.split('\n').filter((l) => l.trim() && !l.trim().startsWith('%%'))
  const problems: string[] = []
  if (!/^(flowchart|graph) (LR|RL|TB|TD|BT)$/.test(lines[0]?.trim() ?? '')) {
    problems.push('the first line is not `flowchart <direction>`')
  }
  let depth = 0
  for (const l of lines.slice(1)) {
    if (/^\s*subgraph\b/.test(l)) depth++
    if (/^\s*end\s*$/.test(l)) depth--
    if (depth < 0) problems.push(`an \`end\` without its subgraph: ${l.trim()}`)
    // Quoted labels may hold anything; outside them every bracket must close on its line.
    const bare = l.replace(/"[^"]*"/g, '""')
    const stack: string[] = []
    for (const ch of bare) {
      if ('([{'.includes(ch)) stack.push(ch)
      else if (')]}'.includes(ch)) {
        const open = stack.pop()
        if (open !== { ')': '(', ']': '[', '}': '{' }[ch]) {
          problems.push(`unbalanced ${ch}: ${l.trim()}`)
          break
        }
      }
    }
    if (stack.length) problems.push(`unclosed ${stack.join('')}: ${l.trim()}`)
  }
  if (depth > 0) problems.push(`${depth} subgraph(s) without \`end\``)
  return problems
}

describe('docs/', () => {
  it.each(PAGES)('%s: every relative link leads somewhere', (page) => {
    expect(linkProblems(page, readFileSync(join(ROOT, page), 'utf8'))).toEqual([])
  })

  it('a broken link and a broken anchor are found', () => {
    expect(
      linkProblems('docs/x.md', '[a](no-such-page.md) [b](deploy.md#no-such-heading)')
    ).toEqual([
      'docs/x.md:1: no-such-page.md: no such file',
      'docs/x.md:1: deploy.md#no-such-heading: no heading #no-such-heading',
    ])
  })

  it('the architecture diagram is a well-formed Mermaid flowchart', () => {
    const blocks = fencedBlocks(readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8'), 'mermaid')
    expect(blocks).toHaveLength(1)
    expect(flowchartProblems(blocks[0]!.code)).toEqual([])
    expect(flowchartProblems('flowchart LR\n  a[x --> b\n  subgraph s\n')).toEqual([
      'unclosed [: a[x --> b',
      '1 subgraph(s) without `end`',
    ])
  })
})
