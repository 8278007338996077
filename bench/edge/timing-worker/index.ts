// The benchmark-only Worker (see wrangler.jsonc): not the production app, just core's createScorer
// behind two routes, so the edge benchmark can read workerd's clock around scoreHistories.
//   POST /clock {iterations, echoUrl?}  spin() with the clock read without a boundary, across
//                                       timer boundaries and across loopback-fetch boundaries
//   POST /score {modelJson, weights (base64), version, asOf, items, warmup, runs,
//                boundary: "timer" | "fetch", echoUrl?}  → TimingResult

import { base64ToBytes, createScorer } from '@fcv/core'
// As the production Worker (edge-worker/src/index.ts): core's dense layers in WebAssembly SIMD.
import denseKernel from '@fcv/core/dense-kernel.wasm'
import { spin, timeScoring, type TimingRequest } from './measure.ts'

interface ClockRequest {
  iterations: number
  echoUrl?: string
}

interface ScoreRequest extends TimingRequest {
  modelJson: string
  weights: string
  version: string
  boundary: 'timer' | 'fetch'
  echoUrl?: string
}

const timer = () => new Promise<void>((resolve) => setTimeout(resolve, 0))
const fetchTo = (url: string) => () => fetch(url).then((r) => r.arrayBuffer())

async function clock(body: ClockRequest): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  // No boundary: what the clock says right after synchronous work.
  let t0 = Date.now()
  let p0 = performance.now()
  spin(body.iterations)
  out['syncDateMs'] = Date.now() - t0
  out['syncPerformanceMs'] = performance.now() - p0
  // Timer boundaries before and after.
  await timer()
  t0 = Date.now()
  p0 = performance.now()
  spin(body.iterations)
  await timer()
  out['timerDateMs'] = Date.now() - t0
  out['timerPerformanceMs'] = performance.now() - p0
  if (body.echoUrl) {
    const io = fetchTo(body.echoUrl)
    await io()
    t0 = Date.now()
    spin(body.iterations)
    await io()
    out['fetchDateMs'] = Date.now() - t0
    t0 = Date.now()
    await io()
    out['fetchAloneMs'] = Date.now() - t0
  }
  return out
}

async function score(body: ScoreRequest) {
  const scorer = await createScorer({
    modelJson: body.modelJson,
    weights: base64ToBytes(body.weights),
    version: body.version,
    denseKernel,
  })
  const boundary = body.boundary === 'fetch' && body.echoUrl ? fetchTo(body.echoUrl) : timer
  return timeScoring(scorer, body, { now: () => Date.now(), boundary })
}

export default {
  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url)
    try {
      if (request.method === 'POST' && pathname === '/clock') {
        return Response.json(await clock((await request.json()) as ClockRequest))
      }
      if (request.method === 'POST' && pathname === '/score') {
        return Response.json(await score((await request.json()) as ScoreRequest))
      }
      return new Response('not found', { status: 404 })
    } catch (e) {
      const err = e as Error
      return new Response(`${err.name}: ${err.message}\n${err.stack ?? ''}`, { status: 500 })
    }
  },
}
