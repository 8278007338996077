// A small reader of Dockerfiles and .dockerignore, enough for the images' structure test: the
// instructions (continuation lines joined, comments dropped), grouped into stages, and Docker's
// .dockerignore matching (patterns match a path or any folder above it; the last match wins).

export interface Instruction {
  /** Upper case: FROM, RUN, COPY... */
  keyword: string
  /** Everything after the keyword, continuation lines joined with a space. */
  args: string
  /** 1-based line of the keyword. */
  line: number
}

export interface Stage {
  /** FROM's image reference. */
  image: string
  /** `AS name`, when given. */
  name?: string
  instructions: Instruction[]
}

export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i]!.trim()
    if (first === '' || first.startsWith('#')) continue
    const line = i + 1
    let joined = first
    // A trailing backslash continues the instruction; comment lines inside it are skipped.
    while (joined.endsWith('\\') && i + 1 < lines.length) {
      joined = joined.slice(0, -1).trimEnd()
      const next = lines[++i]!.trim()
      if (next.startsWith('#')) {
        joined += ' \\'
        continue
      }
      joined += ` ${next}`
    }
    const m = /^(\S+)\s*(.*)$/s.exec(joined)!
    out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line })
  }
  return out
}

export function stagesOf(instructions: Instruction[]): Stage[] {
  const stages: Stage[] = []
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'))
      const as = words.findIndex((w) => w.toUpperCase() === 'AS')
      stages.push({
        image: words[0] ?? '',
        ...(as >= 0 && words[as + 1] ? { name: words[as + 1] } : {}),
        instructions: [],
      })
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push(ins)
    } else if (ins.keyword !== 'ARG') {
      throw new Error(`line ${ins.line}: ${ins.keyword} before the first FROM`)
    }
  }
  return stages
}

/** The exec form's array (["node", "x"]), or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined
  const parsed: unknown = JSON.parse(args)
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string'))
    throw new Error(`not an exec-form array of strings: ${args}`)
  return parsed as string[]
}

export interface Copy {
  /** --from=stage (or image), when copying from another stage. */
  from?: string
  sources: string[]
  dest: string
  line: number
}

/** COPY and ADD: their flags, sources and destination (shell form; JSON form too). */
export function copyOf(ins: Instruction): Copy {
  const words = execForm(ins.args) ?? ins.args.split(/\s+/)
  const flags = words.filter((w) => w.startsWith('--'))
  const paths = words.filter((w) => !w.startsWith('--'))
  if (paths.length < 2)
    throw new Error(`line ${ins.line}: ${ins.keyword} needs a source and a destination`)
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length)
  return {
    ...(from ? { from } : {}),
    sources: paths.slice(0, -1),
    dest: paths.at(-1)!,
    line: ins.line,
  }
}

/** ENV and ARG as key/value pairs (key=value forms, and ENV's legacy `key value`). */
export function assignmentsOf(ins: Instruction): { key: string; value: string | undefined }[] {
  if (ins.keyword === 'ENV' && !/^[\w.-]+=/.test(ins.args)) {
    const [key = '', ...rest] = ins.args.split(/\s+/)
    return [{ key, value: rest.join(' ') }]
  }
  const found: { key: string; value: string | undefined }[] = []
  for (const m of ins.args.matchAll(/([\w.-]+)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g)) {
    found.push({ key: m[1]!, value: m[2] })
  }
  return found
}

function patternRegExp(pattern: string): RegExp {
  let re = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` is zero or more folders; a trailing `**` is anything.
      if (pattern[i + 2] === '/') {
        re += '(?:.*/)?'
        i += 2
      } else {
        re += '.*'
        i += 1
      }
    } else if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${re}$`)
}

/** .dockerignore: which paths (relative to the build context, `/`-separated) stay out of it. */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const exception = l.startsWith('!')
      const p = (exception ? l.slice(1) : l).trim().replace(/^\/+/, '').replace(/\/+$/, '')
      return { exception, re: patternRegExp(p) }
    })
  return (path) => {
    const parts = path.replace(/^\.\//, '').replace(/\/+$/, '').split('/')
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'))
    let excluded = false
    for (const rule of rules) {
      if (candidates.some((c) => rule.re.test(c))) excluded = !rule.exception
    }
    return excluded
  }
}
