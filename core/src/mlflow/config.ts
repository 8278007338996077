import { MlflowConfigError } from './errors.ts'

/** Where the server is and how to reach it: MLflow's own environment variables. */
export interface MlflowConnection {
  /** http(s) base URL without a trailing slash. */
  trackingUri: string
  /** The Authorization header value, if any. Never logged. */
  authorization?: string
  /** Attempts after the first, for connection errors, 429 and 5xx. */
  maxRetries: number
  /** First backoff in ms; doubles per attempt (with jitter), capped at 16x. */
  backoffMs: number
  /** Per-request timeout in ms. */
  timeoutMs: number
}

/**
 * Reads MLFLOW_TRACKING_URI, MLFLOW_TRACKING_USERNAME/PASSWORD (basic auth, checked first, as
 * MLflow's Python client does) or MLFLOW_TRACKING_TOKEN (bearer), and the retry and timeout
 * variables MLflow documents. Returns null when no tracking URI is set.
 */
export function connectionFromEnv(
  env: Record<string, string | undefined>
): MlflowConnection | null {
  const uri = env['MLFLOW_TRACKING_URI']?.trim()
  if (!uri) return null
  return connectionTo(uri, env)
}

export function connectionTo(
  uri: string,
  env: Record<string, string | undefined>
): MlflowConnection {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    throw new MlflowConfigError(`MLFLOW_TRACKING_URI "${uri}" is not a URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MlflowConfigError(
      `MLFLOW_TRACKING_URI "${uri}": fcv talks to an MLflow server over HTTP(S); ` +
        `start one with \`mlflow server\`, or unset the variable to use the embedded local server`
    )
  }
  if (url.username || url.password) {
    throw new MlflowConfigError(
      'MLFLOW_TRACKING_URI must not carry credentials: use MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD'
    )
  }
  const user = env['MLFLOW_TRACKING_USERNAME']
  const password = env['MLFLOW_TRACKING_PASSWORD']
  const token = env['MLFLOW_TRACKING_TOKEN']
  let authorization: string | undefined
  if (user && password) {
    authorization = `Basic ${base64(`${user}:${password}`)}`
  } else if (user || password) {
    throw new MlflowConfigError(
      'set both MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or neither'
    )
  } else if (token) {
    authorization = `Bearer ${token}`
  }
  return {
    trackingUri: url.href.replace(/\/+$/, ''),
    ...(authorization ? { authorization } : {}),
    maxRetries: numberFrom(env, 'MLFLOW_HTTP_REQUEST_MAX_RETRIES', 5, 0),
    backoffMs: numberFrom(env, 'MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR', 0.5, 0) * 1000,
    timeoutMs: numberFrom(env, 'MLFLOW_HTTP_REQUEST_TIMEOUT', 120, 1) * 1000,
  }
}

function numberFrom(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number
): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n < min) {
    throw new MlflowConfigError(`${name}="${raw}" is not a number >= ${min}`)
  }
  return n
}

/** Base64 of the UTF-8 bytes, with what every runtime has (no Buffer in workerd or browsers). */
function base64(text: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary)
}
