import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'trainer',
    include: ['src/**/*.test.ts'],
    passWithNoTests: true,
    // A real MLflow server for the register and client tests (trainer/src/mlflow/global-setup.ts).
    globalSetup: ['src/mlflow/global-setup.ts'],
  },
})
