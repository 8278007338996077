// The Node side of the in-worker cross-check, run as its own process so that its heap holds only
// what the Worker's does: `node bench/edge/node-timing.ts <request.json>` reads the same request
// the benchmark-only Worker gets (model, 1,000 histories, warm-up and runs), runs the same loop
// (timing-worker/measure.ts) with performance.now() and prints the TimingResult as JSON.

import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { base64ToBytes, createScorer } from '@fcv/core'
import { timeScoring, type TimingRequest } from './timing-worker/measure.ts'

const file = process.argv[2]
if (!file) throw new Error('usage: node bench/edge/node-timing.ts <request.json>')
const request = JSON.parse(readFileSync(file, 'utf8')) as TimingRequest & {
  modelJson: string
  weights: string
  version: string
}
// The kernel the Worker imports, compiled here from the same file.
const denseKernel = new WebAssembly.Module(
  readFileSync(fileURLToPath(import.meta.resolve('@fcv/core/dense-kernel.wasm')))
)
const scorer = await createScorer({
  modelJson: request.modelJson,
  weights: base64ToBytes(request.weights),
  version: request.version,
  denseKernel,
})
const result = await timeScoring(scorer, request, {
  now: () => performance.now(),
  boundary: () => new Promise((resolve) => setTimeout(resolve, 0)),
})
process.stdout.write(JSON.stringify(result) + '\n')
