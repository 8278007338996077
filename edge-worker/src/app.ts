import { Hono } from 'hono'
import type { AppEnv, Deps } from './app-env.ts'
import { PUBLIC_PATHS, publicCors } from './cors.ts'
import { onError } from './errors.ts'
import { wrongMethodOrNotFound } from './methods.ts'
import { adminRoutes } from './routes/admin.ts'
import { adminStateRoutes } from './routes/admin-state.ts'
import { beaconRoutes } from './routes/beacon.ts'
import { bundleRoutes } from './routes/bundle.ts'
import { modelRoutes } from './routes/model.ts'
import { predictRoutes } from './routes/predict.ts'
import { ScorerCache, type CreateScorer } from './scoring.ts'
import { Serving } from './serving.ts'
import { Telemetry } from './telemetry.ts'

export interface AppOptions {
  /** Builds a scorer from a verified bundle's files; null: /v1/predict answers 503. */
  createScorer?: CreateScorer | null
  /** Clock (ms); tests move it. */
  now?: () => number
  /** fetch for telemetry flushes. */
  fetch?: typeof fetch
}

/**
 * The worker as a hono app. Its state (loaded bundles, scorers, telemetry) lives as long as the
 * app, i.e. the isolate for the default export; tests make fresh apps.
 */
export function createApp(options: AppOptions = {}): Hono<AppEnv> {
  const now = options.now ?? Date.now
  const serving = new Serving(now)
  const deps: Deps = {
    serving,
    scorers: new ScorerCache(options.createScorer ?? null),
    telemetry: new Telemetry(now, options.fetch, () => serving.served()),
    now,
  }
  const app = new Hono<AppEnv>()
  app.onError(onError)
  // 404 for unknown paths; 405 with Allow for a route's path asked with another method.
  app.notFound(wrongMethodOrNotFound(app, PUBLIC_PATHS))
  app.use(PUBLIC_PATHS, publicCors)
  app.get('/healthz', (c) => c.json({ ok: true }))
  adminRoutes(app, deps)
  adminStateRoutes(app)
  modelRoutes(app, deps)
  bundleRoutes(app, deps)
  predictRoutes(app, deps)
  beaconRoutes(app, deps)
  return app
}
