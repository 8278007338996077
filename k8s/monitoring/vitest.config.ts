import { defineProject } from 'vitest/config'

// The monitoring configuration checked by Prometheus' own tools (promtool, amtool from Debian).
export default defineProject({
  test: {
    name: 'monitoring',
    include: ['**/*.test.ts'],
    testTimeout: 60_000,
  },
})
