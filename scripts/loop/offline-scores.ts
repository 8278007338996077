// `fcv score`'s scores.arrow read back for the check: one row per customer.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { tableFromIPC } from 'apache-arrow'
import type { Scores } from './agreement.ts'

export function readOfflineScores(dir: string): Map<string, Scores> {
  const table = tableFromIPC(readFileSync(join(dir, 'scores.arrow')))
  const col = (name: string) => {
    const c = table.getChild(name)
    if (!c) throw new Error(`${join(dir, 'scores.arrow')} has no column "${name}"`)
    return c.toArray() as ArrayLike<unknown>
  }
  const ids = col('customer_id') as string[]
  const [version, expected, pBuy, p10, p50, p90] = [
    'model_version',
    'expected',
    'p_buy',
    'p10',
    'p50',
    'p90',
  ].map(col) as [string[], Float64Array, Float64Array, Float64Array, Float64Array, Float64Array]
  const out = new Map<string, Scores>()
  for (let i = 0; i < ids.length; i++) {
    out.set(ids[i]!, {
      modelVersion: version[i]!,
      expected: expected[i]!,
      pBuy: pBuy[i]!,
      p10: p10[i]!,
      p50: p50[i]!,
      p90: p90[i]!,
    })
  }
  return out
}
