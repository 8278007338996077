// The generators' command line (dashboards/generate.ts, prometheus-rule/generate.ts): write the
// generated files, or with `--check` exit 1 when a committed one differs from what would be written.

import { readFileSync, writeFileSync } from 'node:fs'

export function committed(file: string): string | null {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return null
  }
}

export function writeOrCheck(files: readonly { file: string; text: string }[], argv: string[]) {
  const check = argv.includes('--check')
  let stale = 0
  for (const { file, text } of files) {
    if (!check) {
      writeFileSync(file, text)
      console.log(`wrote ${file}`)
    } else if (committed(file) === text) {
      console.log(`${file} is up to date`)
    } else {
      console.log(`${file} differs: run without --check`)
      stale++
    }
  }
  process.exit(stale ? 1 : 0)
}
