// Where the spread of RMSE across seeds comes from, per customer: each seed's predictions.csv of a
// model, read together. RMSE is a sum of squared errors that a few large customers dominate, so its
// spread across five seeds can move with two or three predictions; these figures say whether it
// does, beside the target on RMSE itself.

import { readFileSync } from 'node:fs'
import { parseCsvRecord } from '../../trainer/src/sample/csv-records.ts'
import { mean, quantile, sd, StepError } from '../common.ts'

export interface CustomerSpread {
  customers: number
  /** Median over customers of sd / mean of their prediction across seeds (mean > 0). */
  predictionSpreadMedian: number
  /**
   * The three customers whose squared error varies most across seeds: their share of the variances
   * of every customer's squared error, summed.
   */
  top3Share: number
  /** Those customers, most varying first: id, actual, predictions by seed. */
  top: { customerId: string; actual: number; predictions: number[] }[]
}

/** customer_id -> [expected, actual] from one predictions.csv. */
function readPredictions(file: string): Map<string, [number, number]> {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
  const header = parseCsvRecord(lines[0] ?? '')
  const [id, expected, actual] = ['customer_id', 'expected', 'actual'].map((c) => header.indexOf(c))
  if (id! < 0 || expected! < 0 || actual! < 0) {
    throw new StepError(`${file}: no customer_id, expected and actual columns`)
  }
  const out = new Map<string, [number, number]>()
  for (const line of lines.slice(1)) {
    const f = parseCsvRecord(line)
    out.set(f[id!]!, [Number(f[expected!]), Number(f[actual!])])
  }
  return out
}

/** The spread of one model's predictions across its seeds (files: one predictions.csv per seed). */
export function customerSpread(files: readonly string[]): CustomerSpread | null {
  if (files.length < 2) return null
  const runs = files.map(readPredictions)
  const ids = [...runs[0]!.keys()]
  for (const [k, run] of runs.entries()) {
    if (run.size !== ids.length || ids.some((c) => !run.has(c))) {
      throw new StepError(`${files[k]} does not hold the customers of ${files[0]}`)
    }
  }
  const relative: number[] = []
  const seVariance: { customerId: string; variance: number }[] = []
  for (const customerId of ids) {
    const predictions = runs.map((r) => r.get(customerId)![0])
    const actual = runs[0]!.get(customerId)![1]
    const m = mean(predictions)
    if (m > 0) relative.push(sd(predictions) / m)
    seVariance.push({ customerId, variance: sd(predictions.map((p) => (p - actual) ** 2)) ** 2 })
  }
  relative.sort((a, b) => a - b)
  seVariance.sort((a, b) => b.variance - a.variance)
  const total = seVariance.reduce((a, c) => a + c.variance, 0)
  const top = seVariance.slice(0, 3)
  return {
    customers: ids.length,
    predictionSpreadMedian: quantile(relative, 0.5),
    top3Share: total > 0 ? top.reduce((a, c) => a + c.variance, 0) / total : Number.NaN,
    top: top.map(({ customerId }) => ({
      customerId,
      actual: runs[0]!.get(customerId)![1],
      predictions: runs.map((r) => r.get(customerId)![0]),
    })),
  }
}
