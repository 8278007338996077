// The control plane's API as `fcv release` calls it: FCV_CONTROL_PLANE_URL (default
// http://127.0.0.1:8080) and a publisher or admin token from FCV_RELEASE_TOKEN. The token only ever
// goes into the Authorization header: never into a message, never into argv.

/** A problem the user can act on; its message is the whole story (no stack trace). */
export class ReleaseError extends Error {
  override name = 'ReleaseError'
}

/** The control plane answered with its error envelope: status, code, message, request id. */
export class ReleaseApiError extends ReleaseError {
  readonly status: number
  readonly code: string
  readonly requestId: string | null
  readonly details: unknown
  constructor(
    call: string,
    a: { status: number; code: string; message: string; requestId: string | null; details: unknown }
  ) {
    super(
      `${call}: HTTP ${a.status} ${a.code}: ${a.message}` +
        (a.requestId ? ` (request id ${a.requestId})` : '')
    )
    this.status = a.status
    this.code = a.code
    this.requestId = a.requestId
    this.details = a.details
  }
}

export interface ApiTarget {
  url: string
  token: string
}

export function apiTarget(env: Record<string, string | undefined>): ApiTarget {
  const token = env['FCV_RELEASE_TOKEN']
  if (!token) {
    throw new ReleaseError(
      'FCV_RELEASE_TOKEN is not set: `fcv release` needs a control-plane token in the environment ' +
        '(publisher for sync and status; admin for promote, canary and rollback)'
    )
  }
  const url = (env['FCV_CONTROL_PLANE_URL'] ?? 'http://127.0.0.1:8080').replace(/\/+$/, '')
  if (!/^https?:\/\/[^/]/.test(url)) {
    throw new ReleaseError(`FCV_CONTROL_PLANE_URL must be an http(s) URL, got "${url}"`)
  }
  return { url, token }
}

export interface ApiAnswer<T> {
  body: T
  headers: Headers
}

interface ErrorEnvelope {
  error?: { code?: string; message?: string; requestId?: string; details?: unknown }
}

/** One API call; any answer but 2xx becomes a ReleaseApiError naming what the control plane said. */
export async function callApi<T>(
  t: ApiTarget,
  method: string,
  path: string,
  o: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {}
): Promise<ApiAnswer<T>> {
  let res: Response
  try {
    res = await fetch(`${t.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${t.token}`,
        ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...o.headers,
      },
      ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
      // A promotion builds, signs and publishes a bundle: give it time.
      signal: AbortSignal.timeout(o.timeoutMs ?? 120_000),
    })
  } catch (e) {
    // fetch says "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND, a timeout...).
    const err = e as Error & { cause?: { code?: string; message?: string } }
    const why = err.cause?.code ?? err.cause?.message ?? err.message
    throw new ReleaseError(`cannot reach the control plane at ${t.url} (${method} ${path}): ${why}`)
  }
  const text = await res.text()
  let json: unknown
  try {
    json = text ? JSON.parse(text) : {}
  } catch {
    json = undefined
  }
  if (!res.ok) {
    const e = (json as ErrorEnvelope | undefined)?.error
    throw new ReleaseApiError(`${method} ${path}`, {
      status: res.status,
      code: e?.code ?? 'unknown',
      message: e?.message ?? (text.slice(0, 200) || res.statusText),
      requestId: e?.requestId ?? res.headers.get('x-request-id'),
      details: e?.details,
    })
  }
  if (json === undefined) {
    throw new ReleaseError(`${method} ${path}: HTTP ${res.status} but the answer is not JSON`)
  }
  return { body: json as T, headers: res.headers }
}
