import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from '../app-env.ts'
import { requires, type TokenLookup } from '../auth/middleware.ts'
import { calibratedWindowFromTags, CHANNELS, type Channel } from '@fcv/core'
import { appendAudit, listModels, type ModelVersion } from '../db/index.ts'
import { ApiError } from '../errors.ts'
import { localVersion, syncModel } from '../registry/sync.ts'
import type { Services } from '../services.ts'
import { evaluatedChampion, type EvaluatedChampion } from '../promotion/gates.ts'
import { bearer, ChannelSchema, errorResponses, ModelNameParam, VersionSchema } from './schemas.ts'

const VersionOut = z
  .object({
    model: z.string(),
    version: z.string(),
    status: z.string(),
    runId: z.string(),
    source: z.string(),
    featureSpecVersion: z.string().nullable(),
    metrics: z.record(z.string(), z.number()),
    tags: z.record(z.string(), z.string()),
    aliases: z.array(z.string()),
    /** Each channel's champion as this version's evaluation scored it (what the gates read). */
    evaluatedChampions: z.record(
      ChannelSchema,
      z.object({
        version: z.string().nullable(),
        gini: z.number().nullable(),
        rmse: z.number().nullable(),
        sumRatio: z.number().nullable(),
      })
    ),
    /**
     * The days the model is calibrated for predictions as of, from its `fcv.calibrated_window.*`
     * tags; null for a model trained before windows were recorded (its gate is not checked).
     */
    calibratedWindow: z
      .object({ from: z.string(), to: z.string(), levelAdjusted: z.boolean() })
      .nullable()
      .openapi({
        description:
          'The days [from, to) the model is calibrated for predictions as of (to exclusive); the calibrated_window gate refuses it once `to` has come. null: trained before windows were recorded, not checked',
      }),
    syncedAt: z.string(),
  })
  .openapi('ModelVersion')

export const versionOut = (v: ModelVersion) => ({
  model: v.modelName,
  version: v.version,
  status: v.status,
  runId: v.runId,
  source: v.source,
  featureSpecVersion: v.featureSpecVersion,
  metrics: v.metrics,
  tags: v.tags,
  aliases: v.aliases,
  evaluatedChampions: Object.fromEntries(
    CHANNELS.map((c) => {
      const e = evaluatedChampion(v.tags, c)
      return [c, { ...e, version: e.version ?? null }]
    })
  ) as Record<Channel, EvaluatedChampion & { version: string | null }>,
  calibratedWindow: calibratedWindowFromTags(v.tags),
  syncedAt: v.syncedAt.toISOString(),
})

/** The registry mirror: read it; publishers announce candidates by syncing a model from MLflow. */
export function modelRoutes(app: OpenAPIHono<AppEnv>, s: Services, auth: TokenLookup): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/models',
      tags: ['models'],
      summary: 'Models and their versions, as mirrored from MLflow',
      security: bearer,
      middleware: [requires('read', auth)] as const,
      responses: {
        200: {
          description: 'models',
          content: {
            'application/json': {
              schema: z.object({
                models: z.array(
                  z.object({
                    name: z.string(),
                    description: z.string().nullable(),
                    versions: z.array(VersionOut),
                  })
                ),
              }),
            },
          },
        },
        ...errorResponses(401, 403),
      },
    }),
    async (c) => {
      const models = await listModels(s.db.db)
      return c.json(
        {
          models: models.map((m) => ({
            name: m.name,
            description: m.description,
            versions: m.versions.map(versionOut),
          })),
        },
        200
      )
    }
  )
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/models/{name}/versions/{version}',
      tags: ['models'],
      summary: 'One mirrored version',
      security: bearer,
      middleware: [requires('read', auth)] as const,
      request: {
        params: z.object({
          name: ModelNameParam,
          version: VersionSchema.openapi({ param: { name: 'version', in: 'path' } }),
        }),
      },
      responses: {
        200: {
          description: 'the version',
          content: { 'application/json': { schema: VersionOut } },
        },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { name, version } = c.req.valid('param')
      return c.json(versionOut(await localVersion(s, name, version)), 200)
    }
  )
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/models/{name}/sync',
      tags: ['models'],
      summary: 'Announce candidates: mirror every version of the model from MLflow',
      security: bearer,
      middleware: [requires('publish', auth)] as const,
      request: { params: z.object({ name: ModelNameParam }) },
      responses: {
        200: {
          description: 'mirrored',
          content: { 'application/json': { schema: z.object({ versions: z.array(VersionOut) }) } },
        },
        ...errorResponses(400, 401, 403, 404, 503),
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param')
      const versions = await syncModel(s, name)
      if (versions.length === 0)
        throw new ApiError(404, 'not_found', `"${name}" has no versions in MLflow`)
      await appendAudit(s.db.db, {
        actor: c.get('actor')!.name,
        action: 'model.sync',
        target: name,
        reason: null,
        before: null,
        after: { versions: versions.map((v) => v.version) },
        requestId: c.get('requestId'),
      })
      return c.json({ versions: versions.map(versionOut) }, 200)
    }
  )
}
