import type { Env } from './env.ts'
import type { ScorerCache } from './scoring.ts'
import type { Serving } from './serving.ts'
import type { Telemetry } from './telemetry.ts'

export interface AppEnv {
  Bindings: Env
}

/** What lives for the isolate's lifetime, shared by every request the app serves. */
export interface Deps {
  serving: Serving
  scorers: ScorerCache
  telemetry: Telemetry
  now: () => number
}
