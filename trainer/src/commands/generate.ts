import { runGenerate, type Regime } from '../generate/index.ts'
import { positiveInt } from './options.ts'

export interface GenerateFlags {
  out: string
  customers: string
  years: string
  seed: string
  start: string
  /** One of REGIMES; commander checks the choice. */
  regime: Regime
  /** commander's negation of --no-order-ids */
  orderIds: boolean
}

export async function generateCommand(o: GenerateFlags): Promise<void> {
  const summary = await runGenerate({
    out: o.out,
    customers: positiveInt('customers', o.customers),
    years: positiveInt('years', o.years),
    seed: positiveInt('seed', o.seed),
    start: o.start,
    regime: o.regime,
    orderIds: o.orderIds,
  })
  process.stdout.write(`generate: wrote ${o.out}\n${JSON.stringify(summary, null, 2)}\n`)
}
