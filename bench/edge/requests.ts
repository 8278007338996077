// The request bodies (the same customers to the Worker and to Flask), a check of one answer per
// body before any load, and the end-to-end time of one 1,000-history request over HTTP.

import { StepError } from '../common.ts'
import type { BenchCustomer, EdgeInputs } from './inputs.ts'

/** Distinct batch-1 bodies sent in turn under load (the first customers). */
const BATCH1_BODIES = 100

function batches(customers: readonly BenchCustomer[], size: number): BenchCustomer[][] {
  if (size === 1) return customers.slice(0, BATCH1_BODIES).map((c) => [c])
  const out: BenchCustomer[][] = []
  for (let i = 0; i + size <= customers.length; i += size) out.push(customers.slice(i, i + size))
  return out
}

export function workerFeatureBodies(inputs: EdgeInputs, size: number): string[] {
  return batches(inputs.customers, size).map((b) =>
    JSON.stringify({
      customers: b.map((c) => ({ customerId: c.customerId, features: c.features })),
    })
  )
}

export function flaskBodies(inputs: EdgeInputs, size: number): string[] {
  return batches(inputs.customers, size).map((b) =>
    JSON.stringify({ customers: b.map((c) => ({ customerId: c.customerId, features: c.numeric })) })
  )
}

export function historyBodies(inputs: EdgeInputs, size: number): string[] {
  const asOf = new Date(inputs.asOf).toISOString()
  return batches(inputs.customers, size).map((b) =>
    JSON.stringify({
      customers: b.map((c) => ({ customerId: c.customerId, transactions: c.transactions })),
      asOf,
    })
  )
}

interface Answer {
  predictions?: { customerId?: unknown; expected?: unknown }[]
}

/** Every body answered 200 with one finite prediction per customer, in order. */
export async function checkAnswers(label: string, url: string, bodies: readonly string[]) {
  for (const body of bodies) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    const text = await res.text()
    if (res.status !== 200)
      throw new StepError(`${label}: HTTP ${res.status} ${text.slice(0, 500)}`)
    const sent = (JSON.parse(body) as { customers: { customerId: string }[] }).customers
    const got = (JSON.parse(text) as Answer).predictions ?? []
    const wrong = sent.findIndex(
      (c, i) =>
        got[i]?.customerId !== c.customerId ||
        typeof got[i]?.expected !== 'number' ||
        !Number.isFinite(got[i]!.expected)
    )
    if (got.length !== sent.length || wrong >= 0) {
      throw new StepError(
        `${label}: ${got.length} predictions for ${sent.length} customers; first wrong at ${wrong}: ` +
          text.slice(0, 300)
      )
    }
  }
}

/**
 * Wall time of POST /v1/predict with all 1,000 histories in one request, as the client sees it:
 * body upload, JSON parse and validation of every transaction, scoring, the answer.
 */
export async function timeLargeRequest(url: string, body: string, runs: number, warmup = 2) {
  const ms: number[] = []
  for (let i = 0; i < warmup + runs; i++) {
    const t0 = performance.now()
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    const text = await res.text()
    if (res.status !== 200) {
      throw new StepError(`1,000 histories over HTTP: HTTP ${res.status} ${text.slice(0, 500)}`)
    }
    if (i >= warmup) ms.push(performance.now() - t0)
  }
  return ms
}
