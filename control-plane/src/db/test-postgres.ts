// Test support: a throwaway PostgreSQL cluster from the Debian packages (initdb into a temp dir,
// pg_ctl on 127.0.0.1 with a free port and a private socket dir; stopped and deleted at the end),
// and a fresh database per test file. As root, the server runs as the `postgres` OS user, because
// initdb refuses root.

import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { freePort } from '../../../trainer/src/mlflow/test-server.ts'

const run = promisify(execFile)

export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust auth, superuser). */
  url: string
  version: string
  stop(): Promise<void>
  /** Stops the server as a crash would (immediate), keeping its data... */
  pause(): Promise<void>
  /** ...and starts it again on the same port (fault tests). */
  resume(): Promise<void>
}

/** The newest /usr/lib/postgresql/<version>/bin that has initdb, or FCV_PG_BINDIR. */
export function findPostgresBin(): string | undefined {
  const override = process.env['FCV_PG_BINDIR']
  if (override) return existsSync(path.join(override, 'initdb')) ? override : undefined
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const bins = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
    .map((v) => path.join(root, v, 'bin'))
  return bins[0]
}

export function postgresMissingMessage(): string {
  const what = 'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)'
  return process.env['CI'] === 'true'
    ? `${what}, and CI runs the storage tests on it: scripts/setup.sh (fcv_ensure_postgres) should have installed it`
    : `${what}; the storage tests need it: run \`bash scripts/postgres.sh install\`, or set FCV_TEST_DATABASE_URL to a server to use`
}

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = findPostgresBin()
  if (!bin) throw new Error(postgresMissingMessage())
  const asRoot = process.getuid?.() === 0
  const runAs = (tool: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args])
      : run(path.join(bin, tool), args)
  const dir = await mkdtemp(path.join(tmpdir(), 'fcv-pg-'))
  const data = path.join(dir, 'data')
  const log = path.join(dir, 'postgres.log')
  const stop = async () => {
    if (existsSync(path.join(data, 'postmaster.pid'))) {
      await runAs('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {})
    }
    await rm(dir, { recursive: true, force: true })
  }
  try {
    if (asRoot) {
      const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout)
      await chown(dir, await id('-u'), await id('-g'))
    }
    await runAs('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'])
    // A port picked now may be taken by the time the server binds it: try a few.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort()
      const options = [
        '-c listen_addresses=127.0.0.1',
        `-p ${port}`,
        `-k ${dir}`,
        // Throwaway data: no durability.
        '-c fsync=off -c synchronous_commit=off -c full_page_writes=off',
      ].join(' ')
      const start = () =>
        runAs('pg_ctl', ['-D', data, '-l', log, '-o', options, '-w', '-t', '60', 'start'])
      try {
        await start()
      } catch (err) {
        if (attempt < 3) continue
        const tail = await readFile(log, 'utf8').catch(() => '')
        throw new Error(`pg_ctl start failed: ${(err as Error).message}\n${tail}`, { cause: err })
      }
      const version = (await runAs('postgres', ['--version'])).stdout.trim()
      return {
        url: `postgres://postgres@127.0.0.1:${port}/postgres`,
        version,
        stop,
        pause: async () => {
          await runAs('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
        },
        resume: async () => {
          await start()
        },
      }
    }
  } catch (err) {
    await stop()
    throw err
  }
}

/** Creates an empty database on the server `url` points at; drop() removes it. */
export async function createTestDatabase(
  url: string
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `fcv_test_${randomBytes(6).toString('hex')}`
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      await client.query(statement)
    } finally {
      await client.end()
    }
  }
  await admin(`create database "${name}"`)
  const target = new URL(url)
  target.pathname = `/${name}`
  return {
    url: target.toString(),
    drop: () => admin(`drop database if exists "${name}" with (force)`),
  }
}
