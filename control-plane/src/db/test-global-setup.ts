// vitest globalSetup for the control plane: the PostgreSQL server the storage tests run against,
// handed to test files as inject('fcvPostgresUrl'). FCV_TEST_DATABASE_URL names an existing server
// (each test file creates and drops its own database there); otherwise a throwaway cluster is
// started for the run. Missing PostgreSQL fails the run: the suite never silently skips it.

import type { TestProject } from 'vitest/node'
import { startPostgresCluster } from './test-postgres.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL superuser URL; test files create their own databases on that server. */
    fcvPostgresUrl: string
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const given = process.env['FCV_TEST_DATABASE_URL']
  if (given) {
    project.provide('fcvPostgresUrl', given)
    return
  }
  const started = performance.now()
  const cluster = await startPostgresCluster()
  const ms = Math.round(performance.now() - started)
  console.log(`[control-plane] throwaway ${cluster.version} at ${cluster.url}, started in ${ms} ms`)
  project.provide('fcvPostgresUrl', cluster.url)
  return () => cluster.stop()
}
