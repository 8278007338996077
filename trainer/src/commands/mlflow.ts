import { startEmbeddedServer, stopEmbeddedServer } from '../mlflow/embedded-server.ts'
import { MlflowConfigError } from '@fcv/core'
import type { Params } from '../params/schema.ts'

/** `fcv mlflow start|stop|status`: the local server `fcv register` uses without MLFLOW_TRACKING_URI. */
export async function mlflowCommand(action: string, params: Params): Promise<void> {
  const e = params.register.embedded
  const url = `http://127.0.0.1:${e.port}`
  if (action === 'start') {
    const s = await startEmbeddedServer({
      dir: e.dir,
      port: e.port,
      detached: true,
      log: (l) => process.stderr.write(`${l}\n`),
    })
    process.stdout.write(`mlflow: ${s.reused ? 'already running' : 'started'}: UI at ${s.url}\n`)
  } else if (action === 'stop') {
    const stopped = await stopEmbeddedServer(e.dir)
    process.stdout.write(
      stopped ? `mlflow: stopped ${stopped}\n` : 'mlflow: no embedded server was running\n'
    )
  } else if (action === 'status') {
    const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false
    )
    process.stdout.write(ok ? `mlflow: running, UI at ${url}\n` : `mlflow: not running (${url})\n`)
  } else {
    throw new MlflowConfigError(`unknown action "${action}": use start, stop or status`)
  }
}
