import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from '../app-env.ts'
import { requires, type TokenLookup } from '../auth/middleware.ts'
import { TARGET_STATES } from '../publish/reconciler.ts'
import type { Services } from '../services.ts'
import { bearer, ChannelSchema, errorResponses } from './schemas.ts'

const TargetOut = z
  .object({
    target: z.string(),
    model: z.string(),
    state: z.enum(TARGET_STATES),
    inSync: z.boolean(),
    checkedAt: z.string().nullable(),
    lastInSyncAt: z.string().nullable(),
    failures: z.number(),
    nextAttemptAt: z.string().nullable(),
    error: z.string().nullable(),
    changes: z.array(
      z.object({
        channel: ChannelSchema,
        role: z.string(),
        action: z.enum(['push', 'withdraw']),
        version: z.string(),
        why: z.string(),
        result: z.enum(['ok', 'failed']),
        error: z.string().optional(),
      })
    ),
    unmanaged: z.array(ChannelSchema),
  })
  .openapi('PublishTarget')

const StatusOut = z
  .object({
    model: z.string(),
    intervalSeconds: z.number(),
    targets: z.array(TargetOut),
    aliases: z.object({
      state: z.enum(['pending', 'in_sync', 'converged', 'failed']),
      checkedAt: z.string().nullable(),
      error: z.string().nullable(),
      changes: z.record(z.string(), z.array(z.string())),
    }),
  })
  .openapi('PublishStatus')

/** The reconciler's view of every push target and of the MLflow aliases. */
export function publishTargetRoutes(app: OpenAPIHono<AppEnv>, s: Services, auth: TokenLookup) {
  const status = () => ({
    model: s.config.FCV_MODEL_NAME,
    intervalSeconds: s.config.FCV_RECONCILE_INTERVAL_SECONDS,
    targets: s.reconciler.statuses(),
    aliases: s.aliasSync.status(),
  })

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/publish-targets',
      tags: ['deployments'],
      summary: 'Each push target (edge worker): in sync with the deployments or not, and why',
      description:
        'The reconciler compares what each target’s store holds with the deployments of FCV_MODEL_NAME on start and every FCV_RECONCILE_INTERVAL_SECONDS, and pushes or withdraws what differs; a target that fails is retried sooner. `aliases` is the same for the per-channel MLflow aliases.',
      security: bearer,
      middleware: [requires('read', auth)] as const,
      responses: {
        200: { description: 'statuses', content: { 'application/json': { schema: StatusOut } } },
        ...errorResponses(401, 403),
      },
    }),
    (c) => c.json(status(), 200)
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/publish-targets/reconcile',
      tags: ['deployments'],
      summary: 'Reconcile every push target and the MLflow aliases now; the statuses after it',
      security: bearer,
      middleware: [requires('publish', auth)] as const,
      responses: {
        200: { description: 'statuses', content: { 'application/json': { schema: StatusOut } } },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      await Promise.all([s.reconciler.reconcileNow(), s.aliasSync.reconcileNow()])
      return c.json(status(), 200)
    }
  )
}
