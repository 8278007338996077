// What the docs tests read in a Markdown page: its tables (with the heading above each), its code
// spans and its relative links. Small on purpose: the pages are ours and plain GitHub Markdown.

export interface TableRow {
  /** The nearest `##` or `###` heading above the table ('' before the first). */
  section: string
  /** The header's first cell, without backticks ("key", "variable", ...). */
  header: string
  /** The row's cells, trimmed, as written (code spans keep their backticks). */
  cells: string[]
  /** 1-based line. */
  line: number
}

function cellsOf(line: string): string[] {
  // A `|` inside a code span is written \| in our tables; split on the others.
  return line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/\\\|/g, '|'))
}

/** Every body row of every pipe table, outside code fences. */
export function tableRows(markdown: string): TableRow[] {
  const lines = markdown.split('\n')
  const rows: TableRow[] = []
  let section = ''
  let header: string | null = null
  let fenced = false
  lines.forEach((line, i) => {
    if (/^(`{3,}|~{3,})/.test(line)) fenced = !fenced
    if (fenced) return
    const heading = /^#{2,3} (.+)$/.exec(line)
    if (heading) section = heading[1]!.trim()
    if (!line.trim().startsWith('|')) {
      header = null
      return
    }
    if (header === null) {
      header = stripTicks(cellsOf(line)[0] ?? '')
      return
    }
    if (/^\|[\s:|-]+\|$/.test(line.trim())) return // the delimiter row
    rows.push({ section, header, cells: cellsOf(line), line: i + 1 })
  })
  return rows
}

export function stripTicks(cell: string): string {
  return cell.replace(/^`(.*)`$/, '$1')
}

/** Each line outside code fences, with its 1-based number. */
function proseLines(markdown: string): { text: string; line: number }[] {
  let fenced = false
  return markdown.split('\n').flatMap((text, i) => {
    if (/^(`{3,}|~{3,})/.test(text)) {
      fenced = !fenced
      return []
    }
    return fenced ? [] : [{ text, line: i + 1 }]
  })
}

/** The contents of every inline code span outside code fences, with its 1-based line. */
export function codeSpans(markdown: string): { text: string; line: number }[] {
  return proseLines(markdown).flatMap(({ text, line }) =>
    [...text.matchAll(/(`+)(?!`)(.+?)(?<!`)\1(?!`)/g)].map((m) => ({ text: m[2]!.trim(), line }))
  )
}

/** Targets of `[text](target)` links that are not URLs or in-page anchors, with their line. */
export function relativeLinks(markdown: string): { target: string; line: number }[] {
  return proseLines(markdown).flatMap(({ text, line }) =>
    [...text.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1]!)
      .filter((target) => !/^[a-z]+:/i.test(target) && !target.startsWith('#'))
      .map((target) => ({ target, line }))
  )
}

/** The fenced blocks of one language (```mermaid), with the line of their opening fence. */
export function fencedBlocks(markdown: string, lang: string): { code: string; line: number }[] {
  const lines = markdown.split('\n')
  const out: { code: string; line: number }[] = []
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(`{3,})(\w*)\s*$/.exec(lines[i]!)
    if (!fence) continue
    const end = lines.findIndex((l, j) => j > i && l.trim() === fence[1])
    if (end < 0) throw new Error(`line ${i + 1}: a code fence that is never closed`)
    if (fence[2] === lang) out.push({ code: lines.slice(i + 1, end).join('\n'), line: i + 1 })
    i = end
  }
  return out
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')
}

export function anchors(markdown: string): Set<string> {
  const out = new Set<string>()
  let fenced = false
  for (const line of markdown.split('\n')) {
    if (/^(`{3,}|~{3,})/.test(line)) fenced = !fenced
    if (fenced) continue
    const h = /^#{1,6} (.+)$/.exec(line)
    if (h) out.add(anchorOf(h[1]!))
  }
  return out
}
