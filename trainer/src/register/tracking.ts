import { MlflowClient, connectionFromEnv, connectionTo } from '@fcv/core'
import { startEmbeddedServer } from '../mlflow/embedded-server.ts'
import type { Params } from '../params/schema.ts'

/**
 * The MLflow server to register into (and evaluate reads the champions from): MLFLOW_TRACKING_URI
 * (with its credentials) when set, else the embedded local server (register.embedded), started if
 * it is not running yet and left running so its UI stays available (`fcv mlflow stop` stops it).
 * `stage` prefixes the log lines.
 */
export async function trackingClient(
  params: Params,
  env: Record<string, string | undefined>,
  log: (line: string) => void,
  stage = 'register'
): Promise<MlflowClient> {
  const onRetry = (call: string, attempt: number, waitMs: number, reason: string) =>
    log(`${stage}: ${call}: ${reason}; retry ${attempt} in ${(waitMs / 1000).toFixed(1)} s`)
  const fromEnv = connectionFromEnv(env)
  if (fromEnv) return new MlflowClient(fromEnv, { onRetry })
  const e = params.register.embedded
  const server = await startEmbeddedServer({ dir: e.dir, port: e.port, detached: true, log })
  log(
    `${stage}: MLflow UI at ${server.url} (${server.reused ? 'already running' : `started, data in ${e.dir}/`}; ` +
      'stop it with `fcv mlflow stop`)'
  )
  // MLflow's retry and timeout settings apply; credentials are for the server the variable names.
  const conn = connectionTo(server.url, {
    ...env,
    MLFLOW_TRACKING_USERNAME: undefined,
    MLFLOW_TRACKING_PASSWORD: undefined,
    MLFLOW_TRACKING_TOKEN: undefined,
  })
  return new MlflowClient(conn, { onRetry })
}
