import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { AppEnv } from '../app-env.ts'
import { requires, type TokenLookup } from '../auth/middleware.ts'
import { listDeploymentRevisions, listDeployments } from '../db/index.ts'
import { rollback, setCanaryShare, setShadow, type ChangeRequest } from '../promotion/change.ts'
import { gateReport, outcomeOfFailure, promote, stateOf } from '../promotion/promote.ts'
import { CHANNELS, type Channel } from '../db/schema.ts'
import type { Metrics } from '../metrics.ts'
import type { Services } from '../services.ts'
import {
  bearer,
  ChannelSchema,
  DeploymentStateSchema,
  errorResponses,
  GateSchema,
  ModelNameParam,
  ReasonSchema,
  TargetOutcomeSchema,
  VersionSchema,
} from './schemas.ts'

const ChannelParam = ChannelSchema.openapi({ param: { name: 'channel', in: 'path' } })
const Share = z
  .number()
  .gt(0, 'a canary share is above 0')
  .lt(1, 'a canary share is below 1 (promote it to go to 1)')

const PromotionBody = z
  .object({
    version: VersionSchema,
    channel: ChannelSchema,
    reason: ReasonSchema,
    canaryShare: Share.optional(),
    force: z.boolean().optional().openapi({
      description:
        'promote although gates failed, the calibrated window included (admin; audited as promotion.forced)',
    }),
  })
  .openapi('PromotionRequest')

const PromotionOut = z
  .object({
    promotionId: z.string(),
    model: z.string(),
    version: z.string(),
    channel: ChannelSchema,
    role: z.enum(['champion', 'canary']),
    forced: z.boolean(),
    gates: z.array(GateSchema),
    bundle: z.object({ digest: z.string(), keyId: z.string(), url: z.string() }),
    deployment: z.object({
      revision: z.number(),
      before: DeploymentStateSchema.nullable(),
      after: DeploymentStateSchema,
    }),
    publish: z.array(TargetOutcomeSchema),
  })
  .openapi('Promotion')

const ChangeOut = z
  .object({
    model: z.string(),
    channel: ChannelSchema,
    revision: z.number(),
    before: DeploymentStateSchema,
    after: DeploymentStateSchema,
    publish: z.array(TargetOutcomeSchema),
  })
  .openapi('DeploymentChange')

const DeploymentOut = DeploymentStateSchema.extend({
  model: z.string(),
  channel: ChannelSchema,
  revision: z.number(),
  updatedAt: z.string(),
  updatedBy: z.string(),
}).openapi('Deployment')

/** The change a request asks for, by its caller, with its reason. */
function change(
  c: Context<AppEnv>,
  model: string,
  channel: Channel,
  reason: string
): ChangeRequest {
  return { model, channel, actor: c.get('actor')!, reason, requestId: c.get('requestId') }
}

export function deploymentRoutes(
  app: OpenAPIHono<AppEnv>,
  s: Services,
  auth: TokenLookup,
  promotions: Metrics['promotions']
): void {
  const admin = requires('administer', auth)
  const bundleUrl = (digest: string) => `/v1/bundles/sha256/${digest}`

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/models/{name}/promotions',
      tags: ['deployments'],
      summary:
        'Promote a version on a channel (champion, or canary with canaryShare) through the gates',
      description:
        'Gates are evaluated on the candidate’s own evaluation, which also scored every channel’s champion on the same test set; each channel’s gates compare with its own champion. ' +
        'The version is published to every push target before the deployment is recorded: a target that refuses it fails the promotion (502, nothing changed), one that does not answer does not (its outcome is `pending`, and the reconciler delivers it). ' +
        'A failed gate answers 409 `gates_failed` with the gate table; `force` (with a reason) overrides it and is audited as `promotion.forced`, naming the gates it overrode. ' +
        'A version whose calibrated window (`fcv.calibrated_window.*` tags: the days it is calibrated for predictions as of) has ended by the control plane’s clock fails the `calibrated_window` gate and answers 409 `calibrated_window_passed`, naming the window (details: `gates`, `calibratedWindow`); `force` overrides it too, as a model trained on historical data needs. A version without a window is not checked. ' +
        'An Idempotency-Key makes a retry safe: a finished promotion is replayed, an interrupted one is resumed.',
      security: bearer,
      middleware: [admin] as const,
      request: {
        params: z.object({ name: ModelNameParam }),
        headers: z.object({ 'idempotency-key': z.string().min(8).max(200).optional() }),
        body: { required: true, content: { 'application/json': { schema: PromotionBody } } },
      },
      responses: {
        200: {
          description: 'promoted (or replayed)',
          content: { 'application/json': { schema: PromotionOut } },
        },
        ...errorResponses(400, 401, 403, 404, 409, 422, 502, 503),
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param')
      const body = c.req.valid('json')
      const key = c.req.valid('header')['idempotency-key']
      const counted = (outcome: string) => promotions.inc({ channel: body.channel, outcome })
      const { result, replayed } = await promote(s, name, body, c.get('actor')!, {
        idempotencyKey: key,
        requestId: c.get('requestId'),
        bundleUrl,
      }).catch((e: unknown) => {
        counted(outcomeOfFailure(e))
        throw e
      })
      // A replay is the same promotion again: counted once, when it ran.
      if (replayed) c.header('idempotent-replayed', 'true')
      else counted('succeeded')
      return c.json(result, 200)
    }
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/models/{name}/versions/{version}/gates',
      tags: ['deployments'],
      summary: 'The gate table a promotion of this version on a channel would get now (dry run)',
      security: bearer,
      middleware: [requires('read', auth)] as const,
      request: {
        params: z.object({
          name: ModelNameParam,
          version: VersionSchema.openapi({ param: { name: 'version', in: 'path' } }),
        }),
        query: z.object({ channel: ChannelSchema }),
      },
      responses: {
        200: {
          description: 'the gates',
          content: {
            'application/json': {
              schema: z.object({
                champion: z.string().nullable(),
                passed: z.boolean(),
                gates: z.array(GateSchema),
              }),
            },
          },
        },
        ...errorResponses(400, 401, 403, 404, 503),
      },
    }),
    async (c) => {
      const { name, version } = c.req.valid('param')
      return c.json(await gateReport(s, name, version, c.req.valid('query').channel), 200)
    }
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/models/{name}/rollbacks',
      tags: ['deployments'],
      summary: 'Put the previous champion back on a channel',
      security: bearer,
      middleware: [admin] as const,
      request: {
        params: z.object({ name: ModelNameParam }),
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.object({ channel: ChannelSchema, reason: ReasonSchema }),
            },
          },
        },
      },
      responses: {
        200: { description: 'rolled back', content: { 'application/json': { schema: ChangeOut } } },
        ...errorResponses(400, 401, 403, 409, 502, 503),
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param')
      const { channel, reason } = c.req.valid('json')
      return c.json(await rollback(s, change(c, name, channel, reason)), 200)
    }
  )

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/models/{name}/deployments/{channel}/canary',
      tags: ['deployments'],
      summary: 'Change the canary’s share, or stop the canary (share 0)',
      security: bearer,
      middleware: [admin] as const,
      request: {
        params: z.object({ name: ModelNameParam, channel: ChannelParam }),
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.object({ share: z.number().min(0).lt(1), reason: ReasonSchema }),
            },
          },
        },
      },
      responses: {
        200: { description: 'changed', content: { 'application/json': { schema: ChangeOut } } },
        ...errorResponses(400, 401, 403, 409, 502, 503),
      },
    }),
    async (c) => {
      const { name, channel } = c.req.valid('param')
      const { share, reason } = c.req.valid('json')
      return c.json(await setCanaryShare(s, change(c, name, channel, reason), share), 200)
    }
  )

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/models/{name}/deployments/{channel}/shadow',
      tags: ['deployments'],
      summary:
        'Score a version in the shadow of the champion (never returned), or stop (version null)',
      security: bearer,
      middleware: [admin] as const,
      request: {
        params: z.object({ name: ModelNameParam, channel: ChannelParam }),
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.object({ version: VersionSchema.nullable(), reason: ReasonSchema }),
            },
          },
        },
      },
      responses: {
        200: { description: 'changed', content: { 'application/json': { schema: ChangeOut } } },
        ...errorResponses(400, 401, 403, 404, 409, 502, 503),
      },
    }),
    async (c) => {
      const { name, channel } = c.req.valid('param')
      const { version, reason } = c.req.valid('json')
      return c.json(await setShadow(s, change(c, name, channel, reason), version), 200)
    }
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/models/{name}/deployments',
      tags: ['deployments'],
      summary: 'What serves on each channel, with the recent history',
      security: bearer,
      middleware: [requires('read', auth)] as const,
      request: { params: z.object({ name: ModelNameParam }) },
      responses: {
        200: {
          description: 'deployments',
          content: {
            'application/json': {
              schema: z.object({
                deployments: z.array(DeploymentOut),
                history: z.array(
                  DeploymentStateSchema.extend({
                    channel: ChannelSchema,
                    revision: z.number(),
                    cause: z.string(),
                    createdAt: z.string(),
                    createdBy: z.string(),
                  })
                ),
              }),
            },
          },
        },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param')
      const rows = await listDeployments(s.db.db, name)
      const history = (
        await Promise.all(
          CHANNELS.map((ch) => listDeploymentRevisions(s.db.db, name, ch, { limit: 50 }))
        )
      ).flat()
      return c.json(
        {
          deployments: rows.map((d) => ({
            model: d.modelName,
            channel: d.channel,
            revision: d.revision,
            ...stateOf(d),
            updatedAt: d.updatedAt.toISOString(),
            updatedBy: d.updatedBy,
          })),
          history: history
            .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
            .map((r) => ({
              channel: r.channel,
              revision: r.revision,
              cause: r.cause,
              createdAt: r.createdAt.toISOString(),
              createdBy: r.createdBy,
              ...stateOf(r),
            })),
        },
        200
      )
    }
  )
}
