import { defineProject } from 'vitest/config'

// The container images, checked offline (no Docker engine): hadolint, checkov and their structure.
// The root config picks this project up with its '*/vitest.config.ts' pattern.
export default defineProject({
  test: {
    name: 'deploy-images',
    include: ['**/*.test.ts'],
    testTimeout: 60_000,
  },
})
