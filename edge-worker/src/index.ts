// The fcv edge worker: see README.md for the routes and wrangler.toml (repository root) for config.
import { createScorer, type ScorerInput } from '@fcv/core'
// core's dense layers in WebAssembly SIMD, compiled by wrangler at deploy: Workers compile no
// WebAssembly at run time, so core cannot carry the kernel itself. The same floats, ~5x faster.
import denseKernel from '@fcv/core/dense-kernel.wasm'
import { createApp } from './app.ts'

export { createApp, type AppOptions } from './app.ts'
export type { Env } from './env.ts'
export type { TelemetryPayload } from './telemetry.ts'

export default createApp({
  createScorer: (input: ScorerInput) => createScorer({ ...input, denseKernel }),
})
