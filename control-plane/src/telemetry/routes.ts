import { TELEMETRY_SCHEMA, TelemetryPayloadSchema } from '@fcv/core'
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi'
import { bodyLimit } from 'hono/body-limit'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../app-env.ts'
import { requires, type TokenLookup } from '../auth/middleware.ts'
import { ApiError } from '../errors.ts'
import { bearer, errorResponses } from '../routes/schemas.ts'
import type { EdgeTelemetry, RejectReason } from './receiver.ts'
import {
  TelemetryReportUnstorableError,
  TelemetryStoreError,
  type TelemetryStore,
} from './store.ts'

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
  edge: EdgeTelemetry,
  store: TelemetryStore
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
      summary: 'Store an edge worker’s telemetry window and count it in the fcv_edge_* metrics',
      description:
        `A \`${TELEMETRY_SCHEMA}\` report, as the edge worker flushes it (role reporter or admin). ` +
        `Bodies over ${TELEMETRY_BODY_LIMIT} bytes answer 413 before they are parsed. ` +
        '202 means the report is committed to the database (per-minute buckets, the fleet’s ' +
        'aggregates) and counted once in GET /metrics of the replica that committed it. ' +
        'A retry of a report already stored (same isolate and window, on any replica) answers ' +
        '202 with `duplicate: true` and counts nothing. 503 (`telemetry_store_unavailable` or ' +
        '`too_busy`, with Retry-After) means nothing of it was stored: resend the same report.',
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
        ...errorResponses(400, 401, 403, 413, 422, 503),
      },
    }),
    async (c) => {
      try {
        const { duplicate } = await store.ingest(c.req.valid('json'))
        return c.json({ accepted: true as const, duplicate }, 202)
      } catch (e) {
        if (e instanceof TelemetryStoreError) {
          c.header('retry-after', String(e.retryAfterSeconds))
          throw new ApiError(503, e.code, e.message)
        }
        if (e instanceof TelemetryReportUnstorableError) {
          throw new ApiError(422, 'telemetry_unstorable', e.message)
        }
        throw e
      }
    }
  )
}
