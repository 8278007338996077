// The loop's Worker as a process of its own: built as `wrangler deploy --dry-run` builds it and run
// in workerd by Miniflare on 127.0.0.1:8787, its KV in the state directory. A process of its own
// because Miniflare exits the process that hosts it on SIGINT/SIGTERM (after stopping workerd),
// and the loop must stop its parts in order. Bindings come in FCV_LOOP_WORKER_BINDINGS (JSON, in
// the environment rather than argv: they hold the tokens).
//
//   node scripts/loop/worker-process.ts <state dir> <port>

import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { LogLevel } from 'miniflare'
import { buildWorker, FileLog, startBuiltWorker } from '../../edge-worker/local/built-worker.ts'

const [stateDir, port] = process.argv.slice(2)
if (!stateDir || !port) {
  process.stderr.write('usage: node scripts/loop/worker-process.ts <state dir> <port>\n')
  process.exit(2)
}
const bindings = JSON.parse(process.env['FCV_LOOP_WORKER_BINDINGS'] ?? '{}') as Record<
  string,
  string
>
const logFile = join(stateDir, 'logs', 'worker.log')
const buildOut = join(stateDir, 'worker', 'build')
const persist = join(stateDir, 'worker', 'kv')
mkdirSync(buildOut, { recursive: true })
mkdirSync(persist, { recursive: true })
const worker = await startBuiltWorker({
  script: await buildWorker(buildOut),
  port: Number(port),
  persistDir: persist,
  log: new FileLog(logFile, LogLevel.INFO),
  workerLog: (l) => appendFileSync(logFile, `${l.level} ${l.message}\n`),
  bindings,
})
process.stdout.write(`worker: serving on ${worker.url}\n`)
