import { defineProject } from 'vitest/config'

// The benchmarks' own logic (targets, the suite's summary, the machine description); the
// benchmarks themselves run with `npm run bench`, not here.
export default defineProject({
  test: {
    name: 'bench',
    include: ['*.test.ts', '*/*.test.ts'],
    testTimeout: 30_000,
  },
})
