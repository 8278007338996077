import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'control-plane',
    include: ['src/**/*.test.ts'],
    passWithNoTests: true,
    // A throwaway PostgreSQL for the storage tests and a real MLflow server for the API tests.
    globalSetup: ['./src/db/test-global-setup.ts', './src/test-support/mlflow-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
