import { defineProject } from 'vitest/config'

// The Worker as built for deployment, run by Miniflare in workerd, next to the real control plane
// (its own process) and a real MLflow server: tests that need Node around the Worker.
export default defineProject({
  test: {
    name: 'edge-worker-integration',
    include: ['integration/**/*.test.ts', 'local/**/*.test.ts'],
    globalSetup: ['./integration/mlflow-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
})
