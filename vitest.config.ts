import { defineConfig } from 'vitest/config'

// Every workspace with tests has its own vitest.config.ts; one root run covers them all. The edge
// worker has a second one: its workerd unit tests and its Node-side integration tests.
export default defineConfig({
  test: {
    projects: [
      '*/vitest.config.ts',
      'edge-worker/vitest.node.config.ts',
      'web-widget/vitest.e2e.config.ts',
      'k8s/monitoring/vitest.config.ts',
      'k8s/vitest.config.ts',
    ],
  },
})
