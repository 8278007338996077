import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from '../app-env.ts'
import { requires, type TokenLookup } from '../auth/middleware.ts'
import type { Services } from '../services.ts'
import { fleetHealth, fleetOptions } from '../telemetry/fleet.ts'
import { bearer, ChannelSchema, errorResponses, ModelNameParam } from './schemas.ts'

const FeatureDriftOut = z.object({
  name: z.string(),
  psi: z.number().nullable(),
  bounds: z.array(z.number()),
  training: z.array(z.number()).openapi({ description: 'share of training rows per bucket' }),
  live: z.array(z.number()).openapi({ description: 'share of live rows per bucket' }),
  liveN: z.number(),
})

const ModelDriftOut = z.object({
  channel: ChannelSchema,
  modelVersion: z.string(),
  observations: z.number(),
  profile: z.object({ cutoff: z.string(), rows: z.number() }).nullable(),
  features: z.array(FeatureDriftOut),
  predictions: z.array(
    z.object({
      output: z.enum(['value', 'pbuy']),
      psi: z.number().nullable(),
      trainingMean: z.number().nullable(),
      liveMean: z.number().nullable(),
      meanRatio: z.number().nullable(),
    })
  ),
})

const FleetOut = z
  .object({
    model: z.string(),
    window: z.object({ seconds: z.number(), from: z.string(), to: z.string() }),
    thresholds: z.object({ psi: z.number(), minObservations: z.number() }),
    serving: z.object({
      windowSeconds: z.number(),
      staleSeconds: z.object({ edge: z.number(), widget: z.number() }),
      versions: z.array(
        z.object({
          channel: ChannelSchema,
          modelVersion: z.string(),
          reporter: z.enum(['isolate', 'page']),
          reporters: z.number(),
          current: z.boolean(),
          staleSince: z.string().nullable(),
        })
      ),
    }),
    drift: z.array(ModelDriftOut),
  })
  .openapi('FleetHealth')

/** The fleet's drift and staleness for a model, from every replica's telemetry. */
export function fleetRoutes(app: OpenAPIHono<AppEnv>, s: Services, auth: TokenLookup): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/models/{name}/fleet',
      tags: ['telemetry'],
      summary:
        'Drift of each serving model and the versions still served, from the fleet telemetry',
      description:
        'Computed now from the telemetry every replica stored: per channel and model version, the PSI of each input feature and of the predictions over the last FCV_DRIFT_WINDOW_SECONDS against the training profile in the bundle (null where it cannot be compared), and the versions edge isolates and widget pages reported serving in the last FCV_STALENESS_WINDOW_SECONDS, with those no longer deployed and since when. The same figures are the fcv_drift_* and fcv_serving_* gauges on /metrics.',
      security: bearer,
      middleware: [requires('read', auth)] as const,
      request: { params: z.object({ name: ModelNameParam }) },
      responses: {
        200: { description: 'the fleet', content: { 'application/json': { schema: FleetOut } } },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param')
      return c.json(await fleetHealth(s.db.db, name, s.now(), fleetOptions(s.config)), 200)
    }
  )
}
