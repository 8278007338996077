import { defineProject } from 'vitest/config'

export default defineProject({
  test: { name: 'trainer', include: ['src/**/*.test.ts'], passWithNoTests: true },
})
