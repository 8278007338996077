import { TELEMETRY_SCHEMA, TelemetryPayloadSchema } from '@fcv/core'
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi'
import { bodyLimit } from 'hono/body-limit'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../app-env.ts'
import { requires, type TokenLookup } from '../auth/middleware.ts'
import { ApiError } from '../errors.ts'
import { bearer, errorResponses } from '../routes/schemas.ts'
import type { EdgeTelemetry, RejectReason } from './receiver.ts'

/** A report is about 20 kB at the worker's caps; this leaves room and still bounds the parse. */
export const TELEMETRY_BODY_LIMIT = 1024 * 1024

const REJECTED: Partial<Record<number, RejectReason>> = {
  400: 'invalid',
  401: 'unauthenticated',
  403: 'forbidden',
  413: 'too_large',
  415: 'invalid',
}

// Core's schema was built before @hono/zod-openapi extended zod, and zod 4 copies prototype
// methods onto a schema when it is built: a clone made here has .openapi().
const Payload = TelemetryPayloadSchema.clone().openapi('TelemetryPayload')

const Accepted = z
  .object({
    accepted: z.literal(true),
    duplicate: z.boolean().openapi({
      description: 'true: this report (isolate and window) was counted before and is not again',
    }),
  })
  .openapi('TelemetryAccepted')

export function telemetryRoutes(
  app: OpenAPIHono<AppEnv>,
  auth: TokenLookup,
  edge: EdgeTelemetry
): void {
  // Outermost, so it sees the status of a refusal from the middleware and validators below.
  const countRejections = createMiddleware<AppEnv>(async (c, next) => {
    await next()
    const reason = REJECTED[c.res.status]
    if (reason) edge.rejected(reason)
  })
  // After the token check (an anonymous body is never read), before the JSON is parsed.
  const limit = bodyLimit({
    maxSize: TELEMETRY_BODY_LIMIT,
    onError: () => {
      throw new ApiError(
        413,
        'payload_too_large',
        `a telemetry report is at most ${TELEMETRY_BODY_LIMIT} bytes`
      )
    },
  })

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/telemetry',
      tags: ['telemetry'],
      summary: 'Receive an edge worker’s telemetry window into the fcv_edge_* metrics',
      description:
        `A \`${TELEMETRY_SCHEMA}\` report, as the edge worker flushes it (role reporter or admin). ` +
        `Bodies over ${TELEMETRY_BODY_LIMIT} bytes answer 413 before they are parsed. ` +
        'A retry of a report already counted (same isolate and window) answers 202 with ' +
        '`duplicate: true` and counts nothing. The sums appear on GET /metrics.',
      security: bearer,
      middleware: [countRejections, requires('report', auth), limit] as const,
      request: {
        body: {
          required: true,
          content: {
            'application/json': { schema: Payload },
          },
        },
      },
      responses: {
        202: {
          description: 'counted (or a duplicate, not counted again)',
          content: { 'application/json': { schema: Accepted } },
        },
        ...errorResponses(400, 401, 403, 413),
      },
    }),
    (c) => {
      const { duplicate } = edge.ingest(c.req.valid('json'))
      return c.json({ accepted: true as const, duplicate }, 202)
    }
  )
}
