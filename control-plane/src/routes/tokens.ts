import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from '../app-env.ts'
import { requires, type TokenLookup } from '../auth/middleware.ts'
import { hashToken, newToken } from '../auth/tokens.ts'
import { appendAudit, insertToken, listTokens, revokeToken, uniqueViolation } from '../db/index.ts'
import { ApiError } from '../errors.ts'
import type { Services } from '../services.ts'
import { bearer, errorResponses, RoleSchema } from './schemas.ts'

const TokenName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, '1 to 64 letters, digits, ".", "_" or "-"')
const TokenInfo = z
  .object({
    name: z.string(),
    role: RoleSchema,
    createdAt: z.string(),
    createdBy: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi('Token')

/** Tokens: created (shown once), listed without secrets, revoked. Admin only, all audited. */
export function tokenRoutes(app: OpenAPIHono<AppEnv>, s: Services, auth: TokenLookup): void {
  const admin = requires('administer', auth)
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/tokens',
      tags: ['tokens'],
      summary: 'Create a token; the secret is in this response only',
      security: bearer,
      middleware: [admin] as const,
      request: {
        body: {
          required: true,
          content: {
            'application/json': { schema: z.object({ name: TokenName, role: RoleSchema }) },
          },
        },
      },
      responses: {
        201: {
          description: 'created',
          content: {
            'application/json': {
              schema: z.object({ name: z.string(), role: RoleSchema, token: z.string() }),
            },
          },
        },
        ...errorResponses(400, 401, 403, 409),
      },
    }),
    async (c) => {
      const { name, role } = c.req.valid('json')
      const actor = c.get('actor')!
      const token = newToken(role)
      try {
        await insertToken(s.db.db, { name, role, hash: hashToken(token), createdBy: actor.name })
      } catch (e) {
        if (uniqueViolation(e))
          throw new ApiError(409, 'token_exists', `a token named "${name}" exists`)
        throw e
      }
      await appendAudit(s.db.db, {
        actor: actor.name,
        action: 'token.create',
        target: `token/${name}`,
        reason: null,
        before: null,
        after: { name, role },
        requestId: c.get('requestId'),
      })
      return c.json({ name, role, token }, 201)
    }
  )
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/tokens',
      tags: ['tokens'],
      summary: 'List tokens (never their secrets)',
      security: bearer,
      middleware: [admin] as const,
      responses: {
        200: {
          description: 'tokens',
          content: { 'application/json': { schema: z.object({ tokens: z.array(TokenInfo) }) } },
        },
        ...errorResponses(401, 403),
      },
    }),
    async (c) => {
      const rows = await listTokens(s.db.db)
      const iso = (d: Date | null) => (d ? d.toISOString() : null)
      return c.json(
        {
          tokens: rows.map((t) => ({
            name: t.name,
            role: t.role,
            createdAt: t.createdAt.toISOString(),
            createdBy: t.createdBy,
            lastUsedAt: iso(t.lastUsedAt),
            revokedAt: iso(t.revokedAt),
          })),
        },
        200
      )
    }
  )
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/tokens/{tokenName}',
      tags: ['tokens'],
      summary: 'Revoke a token',
      security: bearer,
      middleware: [admin] as const,
      request: {
        params: z.object({
          tokenName: TokenName.openapi({ param: { name: 'tokenName', in: 'path' } }),
        }),
      },
      responses: {
        200: {
          description: 'revoked',
          content: {
            'application/json': {
              schema: z.object({ name: z.string(), revoked: z.literal(true) }),
            },
          },
        },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { tokenName } = c.req.valid('param')
      const revoked = await revokeToken(s.db.db, tokenName)
      if (!revoked) throw new ApiError(404, 'not_found', `no active token named "${tokenName}"`)
      await appendAudit(s.db.db, {
        actor: c.get('actor')!.name,
        action: 'token.revoke',
        target: `token/${tokenName}`,
        reason: null,
        before: { name: tokenName, role: revoked.role },
        after: null,
        requestId: c.get('requestId'),
      })
      return c.json({ name: tokenName, revoked: true as const }, 200)
    }
  )
}
