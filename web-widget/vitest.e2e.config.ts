import { defineProject } from 'vitest/config'

// The widget in real headless Chromium against the built Worker and the control plane, with a real
// MLflow (the trainer's global setup starts one on a loopback port).
export default defineProject({
  test: {
    name: 'web-widget-e2e',
    include: ['e2e/**/*.test.ts'],
    globalSetup: ['./e2e/mlflow-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 240_000,
  },
})
