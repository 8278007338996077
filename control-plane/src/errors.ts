// Every failure answers with core's JSON error envelope (errorBody), shared with the Worker.
// Known problems carry their status and code; anything else is a 500 with no internals.

import { errorBody } from '@fcv/core'
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

export class ApiError extends Error {
  override name = 'ApiError'
  readonly status: ContentfulStatusCode
  readonly code: string
  readonly details: unknown
  constructor(status: ContentfulStatusCode, code: string, message: string, details?: unknown) {
    super(message)
    this.status = status
    this.code = code
    this.details = details
  }
}

export function errorResponse(c: Context, e: ApiError): Response {
  return c.json(errorBody(e, (c.get('requestId' as never) as string | undefined) ?? ''), e.status)
}
