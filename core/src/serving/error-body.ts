// The JSON error envelope of every fcv HTTP API, the control plane's and the Worker's (and so what
// a widget or client reads from either): { error: { code, message, details?, requestId } }.

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown; requestId: string }
}

/** The envelope of a known problem; `details` only when it has some. */
export function errorBody(
  problem: { readonly code: string; readonly message: string; readonly details?: unknown },
  requestId: string
): ErrorBody {
  const { code, message, details } = problem
  return {
    error: { code, message, ...(details === undefined ? {} : { details }), requestId },
  }
}
