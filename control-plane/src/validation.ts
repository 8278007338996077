import type { Hook } from '@hono/zod-openapi'
import { ApiError, errorResponse } from './errors.ts'
import type { AppEnv } from './app-env.ts'

/** Every request that fails its schema: 400 naming each field and the reason. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the hook serves every route
export const validationHook: Hook<any, AppEnv, any, any> = (result, c) => {
  if (result.success) return
  const where = result.target
  const details = result.error.issues.map((i) => ({
    field: [where === 'json' ? 'body' : where, ...i.path.map(String)].join('.'),
    reason: i.message,
  }))
  const first = details[0]
  return errorResponse(
    c,
    new ApiError(
      400,
      'invalid_request',
      first ? `${first.field}: ${first.reason}` : 'the request is not valid',
      details
    )
  )
}
