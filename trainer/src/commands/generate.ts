import { runGenerate } from '../generate/index.ts'
import { positiveInt } from './options.ts'

export async function generateCommand(o: {
  out: string
  customers: string
  years: string
  seed: string
  start: string
}): Promise<void> {
  const summary = await runGenerate({
    out: o.out,
    customers: positiveInt('customers', o.customers),
    years: positiveInt('years', o.years),
    seed: positiveInt('seed', o.seed),
    start: o.start,
  })
  process.stdout.write(`generate: wrote ${o.out}\n${JSON.stringify(summary, null, 2)}\n`)
}
