// Every failure answers with core's JSON error envelope (errorBody), as the control plane's do.
// Known problems carry their status and code; anything else is a 500 with no internals.

import { errorBody } from '@fcv/core'
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

export class ApiError extends Error {
  override name = 'ApiError'
  readonly status: ContentfulStatusCode
  readonly code: string
  readonly details: unknown
  readonly headers: Record<string, string>
  constructor(
    status: ContentfulStatusCode,
    code: string,
    message: string,
    o: { details?: unknown; headers?: Record<string, string>; cause?: unknown } = {}
  ) {
    super(message, { cause: o.cause })
    this.status = status
    this.code = code
    this.details = o.details
    this.headers = o.headers ?? {}
  }
}

/** cf-ray when Cloudflare set one (it is what operators search logs by), else a fresh id. */
export function requestIdOf(c: Context): string {
  return c.req.header('cf-ray') ?? crypto.randomUUID()
}

export function errorResponse(c: Context, e: ApiError): Response {
  for (const [name, value] of Object.entries(e.headers)) c.header(name, value)
  c.header('cache-control', 'no-store')
  return c.json(errorBody(e, requestIdOf(c)), e.status)
}

/** app.onError: ApiErrors as they are; anything else logged (name and message only) and hidden. */
export function onError(e: Error, c: Context): Response {
  if (e instanceof ApiError) return errorResponse(c, e)
  console.error(`fcv-edge: unhandled ${e.name}: ${e.message}`)
  return errorResponse(c, new ApiError(500, 'internal', 'internal error'))
}
