import { runGenerate } from '../generate/index.ts'

function positiveInt(name: string, text: string): number {
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 1)
    throw new RangeError(`--${name} must be a positive integer, got "${text}"`)
  return n
}

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
