// The three outputs are written under temporary names in the output directory and renamed into place
// only when the whole run has succeeded. A failed run deletes its temporaries (and the directory, if
// the run created it), so an earlier run's complete set stays untouched and is never mixed with a
// partial new one. Renames within one directory are atomic; the report is renamed last, so a reader
// that sees a new ingest-report.json also sees the transactions and quarantine it describes.

import { randomBytes } from 'node:crypto'
import { mkdir, rename, rm, rmdir } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'

export const OUTPUT_NAMES = {
  transactions: 'transactions.arrow',
  quarantine: 'quarantine.csv',
  report: 'ingest-report.json',
} as const

type OutputKey = keyof typeof OUTPUT_NAMES
const ORDER: readonly OutputKey[] = ['quarantine', 'transactions', 'report']

export class OutputSet {
  readonly dir: string
  readonly temp: Readonly<Record<OutputKey, string>>
  readonly final: Readonly<Record<OutputKey, string>>
  /** The outermost directory this run created, if any. */
  private readonly created: string | undefined

  private constructor(dir: string, created: string | undefined) {
    this.dir = dir
    this.created = created
    const tag = `${process.pid}-${randomBytes(4).toString('hex')}`
    const temp = {} as Record<OutputKey, string>
    const final = {} as Record<OutputKey, string>
    for (const key of ORDER) {
      temp[key] = join(dir, `.${OUTPUT_NAMES[key]}.${tag}.tmp`)
      final[key] = join(dir, OUTPUT_NAMES[key])
    }
    this.temp = temp
    this.final = final
  }

  static async prepare(dir: string): Promise<OutputSet> {
    const created = await mkdir(dir, { recursive: true })
    return new OutputSet(dir, created)
  }

  async commit(): Promise<void> {
    for (const key of ORDER) await rename(this.temp[key], this.final[key])
  }

  /** Removes the temporaries, then any directories this run created, innermost first. */
  async discard(): Promise<void> {
    for (const key of ORDER) await rm(this.temp[key], { force: true })
    if (this.created === undefined) return
    const top = resolve(this.created)
    for (let d = resolve(this.dir); d.length >= top.length; d = dirname(d)) {
      try {
        await rmdir(d)
      } catch {
        return // not empty: someone else put something there
      }
      if (d === top) return
    }
  }
}
