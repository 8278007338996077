// One JSON error envelope for every failure: { error: { code, message, details?, requestId } }.
// Known problems carry their status and code; anything else is a 500 with no internals.

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

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown; requestId: string }
}

export function errorResponse(c: Context, e: ApiError): Response {
  const body: ErrorBody = {
    error: {
      code: e.code,
      message: e.message,
      ...(e.details === undefined ? {} : { details: e.details }),
      requestId: (c.get('requestId' as never) as string | undefined) ?? '',
    },
  }
  return c.json(body, e.status)
}
