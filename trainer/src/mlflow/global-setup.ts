import type { TestProject } from 'vitest/node'
import { startTestServer } from './test-server.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** A real MLflow server for this test run (tracking URI). */
    mlflowUri: string
  }
}

/** One real `mlflow server` for the trainer's tests; each test uses its own names. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startTestServer()
  project.provide('mlflowUri', server.url)
  return () => server.stop()
}
