import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from '../app-env.ts'
import { requires, type TokenLookup } from '../auth/middleware.ts'
import { listAudit } from '../db/index.ts'
import type { Services } from '../services.ts'
import { bearer, errorResponses } from './schemas.ts'

const Entry = z
  .object({
    id: z.number(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    target: z.string(),
    reason: z.string().nullable(),
    before: z.unknown(),
    after: z.unknown(),
    requestId: z.string().nullable(),
  })
  .openapi('AuditEntry')

export function auditRoutes(app: OpenAPIHono<AppEnv>, s: Services, auth: TokenLookup): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/audit',
      tags: ['audit'],
      summary: 'The audit log, newest first',
      security: bearer,
      middleware: [requires('read', auth)] as const,
      request: {
        query: z.object({
          target: z.string().max(300).optional(),
          action: z.string().max(100).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          offset: z.coerce.number().int().min(0).default(0),
        }),
      },
      responses: {
        200: {
          description: 'entries',
          content: { 'application/json': { schema: z.object({ entries: z.array(Entry) }) } },
        },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const q = c.req.valid('query')
      const rows = await listAudit(s.db.db, q)
      return c.json({ entries: rows.map((r) => ({ ...r, at: r.at.toISOString() })) }, 200)
    }
  )
}
