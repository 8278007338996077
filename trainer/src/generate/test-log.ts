// Reading a generated log back in the generator's tests.

import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

export const sha256 = (file: string) =>
  createHash('sha256').update(readFileSync(file)).digest('hex')

/** Minimal RFC 4180 record parser for one physical line (the generator never writes line breaks). */
export function parseCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',')
  const fields: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      fields.push(field)
      field = ''
    } else field += c
  }
  fields.push(field)
  return fields
}
