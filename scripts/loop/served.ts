// What the Worker serves, read from its public routes: the edge channel's champion
// (GET /v1/model) and the widget channel's (the version header of GET /v1/bundle).

export interface Served {
  edge: string | null
  widget: string | null
}

export async function servedVersions(workerUrl: string): Promise<Served> {
  const model = await fetch(`${workerUrl}/v1/model`, { signal: AbortSignal.timeout(5000) })
  const edge = model.ok
    ? (((await model.json()) as { champion?: { version?: string } }).champion?.version ?? null)
    : (await model.body?.cancel(), null)
  const bundle = await fetch(`${workerUrl}/v1/bundle`, {
    method: 'HEAD',
    signal: AbortSignal.timeout(5000),
  })
  return { edge, widget: bundle.ok ? bundle.headers.get('x-fcv-version') : null }
}

/** Polls until the Worker serves `version` on both channels (rejects naming what it serves). */
export async function waitUntilServed(
  workerUrl: string,
  version: string,
  timeoutMs = 60_000
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last: Served = { edge: null, widget: null }
  for (;;) {
    last = await servedVersions(workerUrl).catch(() => last)
    if (last.edge === version && last.widget === version) return
    if (Date.now() > deadline) {
      throw new Error(
        `the Worker does not serve version ${version} after ${timeoutMs / 1000} s: edge serves ${last.edge ?? 'nothing'}, widget ${last.widget ?? 'nothing'}`
      )
    }
    await new Promise((r) => setTimeout(r, 500))
  }
}

export interface EdgeAnswer {
  status: number
  currency: string
  predictions: ({ customerId: string; modelVersion: string } & Record<string, unknown>)[]
}

/** One POST /v1/predict of customers' histories as of a date; a non-2xx answer is an error. */
export async function predictAtEdge(
  workerUrl: string,
  customers: readonly { customerId: string; transactions: unknown[] }[],
  asOf: string
): Promise<EdgeAnswer> {
  const res = await fetch(`${workerUrl}/v1/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      customers: customers.map((c) => ({ customerId: c.customerId, transactions: c.transactions })),
      asOf,
    }),
  })
  const body = (await res.json()) as Partial<EdgeAnswer>
  if (!res.ok || !Array.isArray(body.predictions)) {
    throw new Error(`POST /v1/predict: HTTP ${res.status} ${JSON.stringify(body).slice(0, 400)}`)
  }
  return { status: res.status, currency: body.currency ?? '', predictions: body.predictions }
}
