import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'control-plane',
    include: ['src/**/*.test.ts'],
    passWithNoTests: true,
    // A throwaway PostgreSQL for the storage tests (src/db/test-global-setup.ts).
    globalSetup: ['./src/db/test-global-setup.ts'],
  },
})
