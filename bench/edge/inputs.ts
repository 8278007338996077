// The benchmark's inputs, all from the pipeline's outputs: the model (models/candidate, else the
// control plane's fixture), 1,000 customers at the test cutoff with their feature rows
// (data/processed/test.arrow: the Worker's spec-order vector with country, Flask's numeric columns)
// and their raw histories before the cutoff (data/interim/transactions.arrow).

import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { HistoryTransaction } from '@fcv/core'
import { numbers, readArrow, strings } from '../agreement/arrow-columns.ts'
import { REPO_ROOT, StepError } from '../common.ts'

export const CUSTOMERS = 1000

const FILES = {
  train: 'data/processed/train.arrow',
  test: 'data/processed/test.arrow',
  transactions: 'data/interim/transactions.arrow',
}
const PIPELINE_MODEL = 'models/candidate'
const FIXTURE_MODEL = 'control-plane/src/test-support/model'
/** The columns of a feature table that flask_rf.py does not train on (it drops country). */
const FLASK_NON_FEATURES = new Set(['customer_id', 'cutoff', 'label', 'label_minor', 'country'])

export interface ModelFiles {
  /** Repository-relative directory of model.json and weights.bin. */
  dir: string
  source: 'pipeline' | 'fixture'
  modelJson: Uint8Array
  weights: Uint8Array
  /** userDefinedMetadata.fcv of model.json. */
  meta: Record<string, unknown>
  featureNames: string[]
}

export interface BenchCustomer {
  customerId: string
  /** The Worker's vector: the model's feature spec order, country as its string. */
  features: (number | string)[]
  /** Flask's vector: the feature table's numeric columns in file order (flask_rf.py's order). */
  numeric: number[]
  /** Every cleaned line before asOf, as POST /v1/predict takes it. */
  transactions: HistoryTransaction[]
}

export interface EdgeInputs {
  model: ModelFiles
  /** The test cutoff (epoch ms): the feature rows' cutoff and the histories' asOf. */
  asOf: number
  customers: BenchCustomer[]
  /** How many of `customers` are repeats of others under new ids. */
  repeated: number
  /** Flask's feature names, in its order. */
  flaskFeatureNames: string[]
  transactions: number
  files: typeof FILES
}

const abs = (p: string) => path.join(REPO_ROOT, p)

function readModel(): ModelFiles {
  const pipeline = ['model.json', 'weights.bin'].every((f) =>
    existsSync(abs(`${PIPELINE_MODEL}/${f}`))
  )
  const dir = pipeline ? PIPELINE_MODEL : FIXTURE_MODEL
  const modelJson = readFileSync(abs(`${dir}/model.json`))
  const weights = readFileSync(abs(`${dir}/weights.bin`))
  const doc = JSON.parse(modelJson.toString('utf8')) as {
    userDefinedMetadata?: { fcv?: Record<string, unknown> }
  }
  const meta = doc.userDefinedMetadata?.fcv
  const spec = meta?.['featureSpec'] as { features?: { name: string }[] } | undefined
  if (!meta || !Array.isArray(spec?.features)) {
    throw new StepError(`${dir}/model.json has no userDefinedMetadata.fcv.featureSpec`)
  }
  return {
    dir,
    source: pipeline ? 'pipeline' : 'fixture',
    modelJson: new Uint8Array(modelJson),
    weights: new Uint8Array(weights),
    meta,
    featureNames: spec.features.map((f) => f.name),
  }
}

/** Each customer's lines before asOf, in file order (time order within a customer). */
function historiesBefore(asOf: number): {
  byCustomer: Map<string, HistoryTransaction[]>
  n: number
} {
  const t = readArrow(abs(FILES.transactions))
  const customer = strings(t, 'customer_id')
  const ts = numbers(t, 'timestamp')
  const amount = numbers(t, 'amount_minor')
  const order = strings(t, 'order_id')
  const product = strings(t, 'product_id')
  const country = strings(t, 'country')
  const quantity = numbers(t, 'quantity')
  const unitPrice = numbers(t, 'unit_price')
  const byCustomer = new Map<string, HistoryTransaction[]>()
  for (let i = 0; i < t.numRows; i++) {
    const id = customer[i]
    if (!id || !(ts[i]! < asOf)) continue
    const tx: { -readonly [K in keyof HistoryTransaction]: HistoryTransaction[K] } = {
      timestamp: ts[i]!,
      amountMinor: amount[i]!,
    }
    if (order[i]) tx.orderId = order[i]!
    if (product[i]) tx.productId = product[i]!
    if (country[i]) tx.country = country[i]!
    if (Number.isFinite(quantity[i])) tx.quantity = quantity[i]!
    if (Number.isFinite(unitPrice[i])) tx.unitPrice = unitPrice[i]!
    let list = byCustomer.get(id)
    if (!list) byCustomer.set(id, (list = []))
    list.push(tx)
  }
  return { byCustomer, n: t.numRows }
}

/** Reads everything the benchmark sends; fails with what to run when the pipeline has not run. */
export function readInputs(): EdgeInputs {
  const missing = Object.values(FILES).filter((f) => !existsSync(abs(f)))
  if (missing.length) {
    throw new StepError(
      `the edge benchmark needs the pipeline's outputs; missing: ${missing.join(', ')}.\n` +
        'Run `npm run pipeline` (or `bash scripts/main.sh`) first: it ingests the shipped sample, ' +
        'computes the feature tables and trains models/candidate/.'
    )
  }
  const model = readModel()
  const test = readArrow(abs(FILES.test))
  const columns = test.schema.fields.map((f) => f.name)
  const absent = model.featureNames.filter((n) => !columns.includes(n))
  if (absent.length) {
    throw new StepError(
      `${FILES.test} lacks the model's features ${absent.join(', ')} (${model.dir} is of another ` +
        'feature spec); rerun `npm run pipeline`'
    )
  }
  const cutoffs = numbers(test, 'cutoff')
  const asOf = cutoffs[0]!
  if (!cutoffs.every((c) => c === asOf)) throw new StepError(`${FILES.test} has several cutoffs`)

  const flaskFeatureNames = columns.filter((n) => !FLASK_NON_FEATURES.has(n))
  const byName = new Map<string, Float64Array | (string | null)[]>()
  for (const n of model.featureNames) {
    byName.set(n, n === 'country' ? strings(test, n) : numbers(test, n))
  }
  const flaskColumns = flaskFeatureNames.map((n) => numbers(test, n))
  const ids = strings(test, 'customer_id')
  const { byCustomer, n } = historiesBefore(asOf)

  const base: BenchCustomer[] = ids.map((id, row) => {
    const transactions = byCustomer.get(id!) ?? []
    if (transactions.length === 0) {
      throw new StepError(`customer ${id} has a feature row at the test cutoff but no history`)
    }
    return {
      customerId: id!,
      features: model.featureNames.map((f) => byName.get(f)![row]!),
      numeric: flaskColumns.map((c) => c[row]!),
      transactions,
    }
  })
  if (base.length === 0) throw new StepError(`${FILES.test} has no rows`)
  // The shipped sample has fewer customers at the cutoff than 1,000: the rest are repeats under new ids.
  const customers: BenchCustomer[] = []
  for (let i = 0; i < CUSTOMERS; i++) {
    const c = base[i % base.length]!
    const round = Math.floor(i / base.length)
    customers.push(round === 0 ? c : { ...c, customerId: `${c.customerId}~${round + 1}` })
  }
  return {
    model,
    asOf,
    customers,
    repeated: Math.max(0, CUSTOMERS - base.length),
    flaskFeatureNames,
    transactions: n,
    files: FILES,
  }
}
