import { createMiddleware } from 'hono/factory'
import type { Actor, AppEnv } from '../app-env.ts'
import { ApiError } from '../errors.ts'
import { CAN, type Permission } from './roles.ts'
import { bearerToken, hashToken, sameHash } from './tokens.ts'

export interface TokenLookup {
  /** The bootstrap admin token's hash (from a Secret), if configured. */
  bootstrapHash: string | null
  /** An active (not revoked) token by its hash. */
  find(hash: string): Promise<Actor | null>
}

/**
 * Requires a bearer token whose role has the permission: 401 without a valid token, 403 when the
 * role may not do this. The caller becomes c.var.actor (named in the audit log).
 */
export function requires(permission: Permission, tokens: TokenLookup) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const token = bearerToken(c.req.header('authorization'))
    if (!token) {
      c.header('www-authenticate', 'Bearer realm="fcv"')
      throw new ApiError(
        401,
        'unauthenticated',
        'a bearer token is required (Authorization: Bearer <token>)'
      )
    }
    const hash = hashToken(token)
    const actor: Actor | null =
      tokens.bootstrapHash !== null && sameHash(hash, tokens.bootstrapHash)
        ? { name: 'bootstrap-admin', role: 'admin' }
        : await tokens.find(hash)
    if (!actor) {
      c.header('www-authenticate', 'Bearer realm="fcv", error="invalid_token"')
      throw new ApiError(401, 'unauthenticated', 'the token is not valid (unknown or revoked)')
    }
    if (!(CAN[permission] as readonly string[]).includes(actor.role)) {
      throw new ApiError(403, 'forbidden', `the role "${actor.role}" may not ${permission}`)
    }
    c.set('actor', actor)
    await next()
  })
}
