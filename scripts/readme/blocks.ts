// The shell blocks of a Markdown document (```sh fences), each with the `## ` section it is in and
// the line it starts on, so the README's commands can be run exactly as they are written.

export interface ShellBlock {
  /** The `## ` heading above the block ('' before the first). */
  section: string
  /** 1-based line of the opening fence. */
  line: number
  code: string
}

export function shellBlocks(markdown: string): ShellBlock[] {
  const lines = markdown.split('\n')
  const blocks: ShellBlock[] = []
  let section = ''
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const heading = /^## (.+)$/.exec(line)
    if (heading) section = heading[1]!.trim()
    const fence = /^(`{3,})(\w*)\s*$/.exec(line)
    if (!fence) continue
    const end = lines.findIndex((l, j) => j > i && l.startsWith(fence[1]!) && l.trim() === fence[1])
    if (end < 0) throw new Error(`line ${i + 1}: a code fence that is never closed`)
    if (['sh', 'bash', 'shell'].includes(fence[2]!)) {
      blocks.push({ section, line: i + 1, code: lines.slice(i + 1, end).join('\n') })
    }
    i = end
  }
  return blocks
}
