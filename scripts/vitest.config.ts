import { defineProject } from 'vitest/config'

// The scripts users run: the README's commands as a user copies them (readme/), the Node 22 launcher.
export default defineProject({
  test: {
    name: 'scripts',
    include: ['**/*.test.ts'],
    testTimeout: 60_000,
  },
})
