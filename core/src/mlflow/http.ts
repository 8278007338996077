import type { MlflowConnection } from './config.ts'
import { MlflowError } from './errors.ts'

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  /** Path below the tracking URI, starting with `/api/`. */
  path: string
  query?: Record<string, string | number | undefined>
  /** A JSON body. */
  json?: unknown
  /** A raw body (artifact upload). */
  bytes?: Uint8Array
}

export type RetryNotice = (call: string, attempt: number, waitMs: number, reason: string) => void

/** Connection errors meaning nothing listens there (rather than a connection that broke). */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
])

/** HTTP statuses worth another attempt: throttling and server-side failures. */
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504])

/**
 * One MLflow call with bounded retries: connection errors, timeouts, 429 and 5xx are retried with
 * exponential backoff and jitter (MLflow's Python client retries the same set); anything else fails
 * at once with the call, the status and the server's error code in the message.
 */
export async function send(
  conn: MlflowConnection,
  req: HttpRequest,
  onRetry?: RetryNotice
): Promise<Response> {
  const call = `${req.method} ${req.path}`
  const url = new URL(conn.trackingUri + req.path)
  for (const [k, v] of Object.entries(req.query ?? {})) {
    if (v !== undefined) url.searchParams.set(k, String(v))
  }
  const headers: Record<string, string> = {}
  if (conn.authorization) headers['authorization'] = conn.authorization
  let body: string | Uint8Array<ArrayBuffer> | undefined
  if (req.json !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(req.json)
  } else if (req.bytes !== undefined) {
    headers['content-type'] = 'application/octet-stream'
    body = req.bytes as Uint8Array<ArrayBuffer> // any byte view is a valid body
  }
  for (let attempt = 0; ; attempt++) {
    let reason: string
    try {
      const res = await fetch(url, {
        method: req.method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(conn.timeoutMs),
      })
      if (res.ok) return res
      if (!RETRY_STATUSES.has(res.status) || attempt >= conn.maxRetries) {
        throw await errorOf(call, res, attempt + 1)
      }
      reason = `HTTP ${res.status}`
      await res.body?.cancel()
    } catch (e) {
      if (e instanceof MlflowError) throw e
      reason = connectionProblem(e)
      if (attempt >= conn.maxRetries) {
        const what = UNREACHABLE.has(reason) ? 'cannot reach' : 'no answer from'
        throw new MlflowError(
          call,
          `MLflow ${call} failed: ${what} ${conn.trackingUri} (${reason}) after ${attempt + 1} attempt${attempt ? 's' : ''}`,
          undefined,
          undefined,
          { cause: e }
        )
      }
    }
    const waitMs = backoff(conn.backoffMs, attempt)
    onRetry?.(call, attempt + 1, waitMs, reason)
    await new Promise((r) => setTimeout(r, waitMs))
  }
}

/** Full jitter over an exponentially growing window, capped at 16 times the first. */
function backoff(baseMs: number, attempt: number): number {
  const window = baseMs * 2 ** Math.min(attempt, 4)
  return Math.round(window / 2 + (Math.random() * window) / 2)
}

function connectionProblem(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } }
  if (err.name === 'TimeoutError') return 'timed out'
  const code = err.cause?.code
  const message = err.cause?.message
  if (code && message && !message.includes(code)) return `${code}: ${message}`
  return code ?? message ?? err.message
}

async function errorOf(call: string, res: Response, attempts: number): Promise<MlflowError> {
  const text = await res.text().catch(() => '')
  let errorCode: string | undefined
  let detail = text.trim().slice(0, 500)
  try {
    const j = JSON.parse(text) as { error_code?: unknown; message?: unknown; detail?: unknown }
    if (typeof j.error_code === 'string') errorCode = j.error_code
    if (typeof j.message === 'string') detail = j.message
    else if (typeof j.detail === 'string') detail = j.detail
  } catch {
    // not JSON: an HTML error page or plain text, kept as it is (shortened)
  }
  const after = attempts > 1 ? ` (after ${attempts} attempts)` : ''
  let what: string
  if (res.status === 401) {
    what =
      'unauthorized: the server rejected the credentials (MLFLOW_TRACKING_USERNAME and ' +
      'MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN)'
  } else if (res.status === 403) {
    what = 'forbidden: these credentials lack permission for this call'
  } else {
    what = [errorCode, detail].filter(Boolean).join(': ') || res.statusText
  }
  return new MlflowError(
    call,
    `MLflow ${call} failed: HTTP ${res.status} ${what}${after}`,
    res.status,
    errorCode
  )
}
