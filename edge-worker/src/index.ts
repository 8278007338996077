// The fcv edge worker: see README.md for the routes and wrangler.toml (repository root) for config.
import { createScorer } from '@fcv/core'
import { createApp } from './app.ts'

export { createApp, type AppOptions } from './app.ts'
export type { Env } from './env.ts'
export type { TelemetryPayload } from './telemetry.ts'

export default createApp({ createScorer })
