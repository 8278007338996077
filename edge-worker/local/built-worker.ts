// The Worker as it is deployed, run on loopback: `wrangler deploy --dry-run` builds the exact upload
// bundle, and Miniflare runs it in workerd with the bindings of the root wrangler.toml. Used by the
// integration tests and the edge benchmark; unlike `wrangler dev` there is no proxy worker in front.

import { spawn } from 'node:child_process'
import { appendFileSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { LogLevel } from 'miniflare'
import { convertV4MiniflareOptions, Log, Miniflare } from 'miniflare'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const WRANGLER_TOML = join(ROOT, 'wrangler.toml')

/** Miniflare's log lines appended to a file (colour codes dropped) instead of the console. */
export class FileLog extends Log {
  private readonly file: string
  constructor(file: string, level: LogLevel) {
    super(level)
    this.file = file
  }
  protected override log(message: string): void {
    // eslint-disable-next-line no-control-regex
    appendFileSync(this.file, `${message.replace(/\x1b\[[0-9;]*m/g, '')}\n`)
  }
}

/** Keeps wrangler offline and out of the user's home (no metrics, no cf.json fetch). */
export function wranglerEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    XDG_CONFIG_HOME: join(ROOT, '.wrangler', 'home'),
  }
}

function wranglerBin(): string {
  const require = createRequire(join(ROOT, 'package.json'))
  const pkg = require.resolve('wrangler/package.json')
  return join(dirname(pkg), 'bin', 'wrangler.js')
}

/** Builds the Worker into `outDir` as `wrangler deploy --dry-run` does; returns the entry module. */
export async function buildWorker(outDir: string, env = ''): Promise<string> {
  const args = [wranglerBin(), 'deploy', '--dry-run', '--outdir', outDir, '--config', WRANGLER_TOML]
  if (env) args.push('--env', env)
  const output: Buffer[] = []
  const code = await new Promise<number | null>((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: wranglerEnv() })
    child.stdout.on('data', (b: Buffer) => output.push(b))
    child.stderr.on('data', (b: Buffer) => output.push(b))
    child.on('error', fail)
    child.on('close', done)
  })
  if (code !== 0) {
    throw new Error(
      `wrangler deploy --dry-run failed (exit ${code}):\n${Buffer.concat(output).toString()}`
    )
  }
  return join(outDir, 'index.js')
}

/**
 * The modules of a build for Miniflare: the entry, and each .wasm wrangler wrote next to it (core's
 * dense kernel), which the entry imports by that name.
 */
export async function uploadModules(
  script: string
): Promise<{ type: 'ESModule' | 'CompiledWasm'; path: string }[]> {
  const outDir = dirname(script)
  const wasm = (await readdir(outDir)).filter((f) => f.endsWith('.wasm')).sort()
  return [
    { type: 'ESModule', path: script },
    ...wasm.map((f) => ({ type: 'CompiledWasm' as const, path: join(outDir, f) })),
  ]
}

export interface BuiltWorkerOptions {
  /** The built entry module (buildWorker's result). */
  script: string
  /** Overrides of wrangler.toml's vars and secrets (PUBLISHER_TOKEN, TRUSTED_KEYS, …). */
  bindings?: Record<string, string>
  /** 0: any free port. */
  port?: number
  /** Where KV lives on disk; a fresh temporary directory (removed on stop) when omitted. */
  persistDir?: string
  log?: Log
  /** Where the Worker's own console lines go (default: Miniflare prints them to stdout). */
  workerLog?: (line: { level: string; message: string }) => void
}

export interface BuiltWorker {
  /** http://127.0.0.1:<port> */
  url: string
  miniflare: Miniflare
  stop(): Promise<void>
}

/** Runs the built Worker in workerd on 127.0.0.1; resolves when it accepts requests. */
export async function startBuiltWorker(options: BuiltWorkerOptions): Promise<BuiltWorker> {
  // The config's bindings, KV namespaces and compatibility settings, exactly as wrangler reads them.
  const { unstable_getMiniflareWorkerOptions } = await import('wrangler')
  const { workerOptions } = unstable_getMiniflareWorkerOptions(WRANGLER_TOML)
  // Typed loosely by wrangler; these are the fields a wrangler.toml like ours produces.
  const config = workerOptions as unknown as {
    compatibilityDate: string
    compatibilityFlags?: string[]
    kvNamespaces?: Record<string, { id: string }>
    ratelimits?: Record<
      string,
      { namespace_id: string; simple: { limit: number; period: 10 | 60 } }
    >
    bindings?: Record<string, string>
  }
  const ownDir = options.persistDir ? null : await mkdtemp(join(tmpdir(), 'fcv-edge-kv-'))
  // miniflare 5 (what wrangler 4.124 ships) takes a new options shape; the v4 one converts to it.
  const miniflareOptions = convertV4MiniflareOptions({
    name: 'fcv-edge',
    modules: await uploadModules(options.script),
    modulesRoot: dirname(options.script),
    compatibilityDate: config.compatibilityDate,
    compatibilityFlags: config.compatibilityFlags ?? [],
    kvNamespaces: config.kvNamespaces ?? {},
    ratelimits: config.ratelimits ?? {},
    bindings: { ...config.bindings, ...options.bindings },
    resourcePersistencePath: options.persistDir ?? ownDir!,
    host: '127.0.0.1',
    port: options.port ?? 0,
    cf: false,
    // Miniflare's own per-request log line (a loopback call per request) is not the Worker's work.
    logRequests: false,
    ...(options.log ? { log: options.log } : {}),
    ...(options.workerLog ? { handleStructuredLogs: options.workerLog } : {}),
  })
  const miniflare = new Miniflare(miniflareOptions)
  const url = (await miniflare.ready).origin
  return {
    url,
    miniflare,
    async stop() {
      await miniflare.dispose()
      if (ownDir) await rm(ownDir, { recursive: true, force: true })
    },
  }
}

/** A temporary directory for a build, removed by the returned function. */
export async function buildDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'fcv-edge-build-'))
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}
