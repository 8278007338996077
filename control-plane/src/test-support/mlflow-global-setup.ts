// vitest globalSetup: a real MLflow server for the control-plane tests (the trainer's starter, on
// a free loopback port with a throwaway store), handed to test files as inject('mlflowUri').

import type { TestProject } from 'vitest/node'
import { startTestServer } from '../../../trainer/src/mlflow/test-server.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    mlflowUri: string
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startTestServer()
  project.provide('mlflowUri', server.url)
  return () => server.stop()
}
