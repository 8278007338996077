import { OpenAPIHono } from '@hono/zod-openapi'
import { HTTPException } from 'hono/http-exception'
import { randomUUID } from 'node:crypto'
import { adminRoutes } from './admin/index.ts'
import type { AppEnv } from './app-env.ts'
import type { TokenLookup } from './auth/middleware.ts'
import { hashToken } from './auth/tokens.ts'
import { findActiveToken, touchToken } from './db/index.ts'
import { isDatabaseUnavailable } from './db-unavailable.ts'
import { ApiError, errorResponse } from './errors.ts'
import { createMetrics, type Metrics } from './metrics.ts'
import { auditRoutes } from './routes/audit.ts'
import { bundleRoutes } from './routes/bundles.ts'
import { deploymentRoutes } from './routes/deployments.ts'
import { docsRoutes } from './routes/docs.ts'
import { fleetRoutes } from './routes/fleet.ts'
import { healthRoutes } from './routes/health.ts'
import { modelRoutes } from './routes/models.ts'
import { publishTargetRoutes } from './routes/publish-targets.ts'
import { tokenRoutes } from './routes/tokens.ts'
import type { Services } from './services.ts'
import { fleetHealth, fleetOptions } from './telemetry/fleet.ts'
import { FleetMetrics } from './telemetry/fleet-metrics.ts'
import { telemetryRoutes, TelemetryStore } from './telemetry/index.ts'
import { validationHook } from './validation.ts'

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/

/** "Last used" is written at most once a minute per token: reads must not each cost a write. */
const TOUCH_EVERY_MS = 60_000

export function tokenLookup(s: Services): TokenLookup {
  const touched = new Map<string, number>()
  return {
    bootstrapHash: s.config.FCV_ADMIN_TOKEN ? hashToken(s.config.FCV_ADMIN_TOKEN) : null,
    async find(hash) {
      const t = await findActiveToken(s.db.db, hash)
      if (!t) return null
      // Best effort: "last used" must never fail or slow a request noticeably.
      const now = Date.now()
      if ((touched.get(t.id) ?? 0) + TOUCH_EVERY_MS < now) {
        touched.set(t.id, now)
        touchToken(s.db.db, t.id).catch(() => undefined)
      }
      return { name: t.name, role: t.role }
    },
  }
}

/** The durable telemetry store of this app (its metrics on the app's registry). */
function telemetryStore(s: Services, metrics: Metrics): TelemetryStore {
  const c = s.config
  return new TelemetryStore(s.db.db, metrics.edge, metrics.registry, {
    maxBatch: c.FCV_TELEMETRY_MAX_BATCH,
    maxDelayMs: c.FCV_TELEMETRY_BATCH_DELAY_MS,
    maxPending: c.FCV_TELEMETRY_MAX_PENDING,
  })
}

/** The control plane's HTTP API, documented by the same schemas that validate it. */
export function createApp(
  s: Services,
  metrics: Metrics = createMetrics({ reconciler: s.reconciler })
): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  const auth = tokenLookup(s)

  app.use(async (c, next) => {
    const given = c.req.header('x-request-id')
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID()
    c.set('requestId', requestId)
    c.set('actor', null)
    c.header('x-request-id', requestId)
    const started = performance.now()
    await next()
    const route = c.req.routePath
    const seconds = (performance.now() - started) / 1000
    metrics.requests.inc({ method: c.req.method, route, status: String(c.res.status) })
    metrics.duration.observe({ method: c.req.method, route }, seconds)
    s.log.info(
      {
        requestId,
        method: c.req.method,
        route,
        status: c.res.status,
        ms: Math.round(seconds * 1000),
        actor: c.get('actor')?.name,
      },
      'request'
    )
  })

  app.onError((e, c) => {
    if (e instanceof ApiError) return errorResponse(c, e)
    if (e instanceof HTTPException) {
      const status = e.status
      return errorResponse(
        c,
        new ApiError(
          status,
          status === 400 ? 'invalid_request' : 'http_error',
          e.message || 'request failed'
        )
      )
    }
    if (isDatabaseUnavailable(e)) {
      s.log.warn({ requestId: c.get('requestId'), err: e.message }, 'database unavailable')
      c.header('retry-after', '2')
      return errorResponse(
        c,
        new ApiError(503, 'database_unavailable', 'the database is unavailable; retry shortly')
      )
    }
    // A bug: logged with its stack, answered without it.
    s.log.error(
      { requestId: c.get('requestId'), err: { message: e.message, stack: e.stack } },
      'unhandled error'
    )
    return errorResponse(
      c,
      new ApiError(500, 'internal', 'internal error; the request id is in the logs')
    )
  })
  app.notFound((c) =>
    errorResponse(c, new ApiError(404, 'not_found', `no route ${c.req.method} ${c.req.path}`))
  )

  healthRoutes(app, s)
  docsRoutes(app)
  tokenRoutes(app, s, auth)
  modelRoutes(app, s, auth)
  deploymentRoutes(app, s, auth, metrics.promotions)
  publishTargetRoutes(app, s, auth)
  bundleRoutes(app, s)
  auditRoutes(app, s, auth)
  telemetryRoutes(app, auth, metrics.edge, telemetryStore(s, metrics))
  fleetRoutes(app, s, auth)
  new FleetMetrics(metrics.registry, {
    compute: () => fleetHealth(s.db.db, s.config.FCV_MODEL_NAME, s.now(), fleetOptions(s.config)),
    refreshMs: s.config.FCV_FLEET_REFRESH_SECONDS * 1000,
    log: s.log,
  })
  adminRoutes(app, s)
  app.get('/metrics', async (c) =>
    c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType })
  )
  return app
}
