import path from 'node:path'
import { defineProject } from 'vitest/config'

// The deployment checked offline with real tools: kustomize, kubernetes-validate, checkov (k8s/),
// and the container images' checks (docker/). k8s/monitoring has its own project.
export default defineProject({
  test: {
    name: 'deploy',
    // The repository root: the project also covers docker/.
    dir: path.resolve(import.meta.dirname, '..'),
    include: ['k8s/**/*.test.ts', 'docker/**/*.test.ts'],
    exclude: ['k8s/monitoring/**', '**/node_modules/**'],
    testTimeout: 180_000,
  },
})
